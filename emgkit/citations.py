"""References behind emgkit's methods, as printed at the end of every report (docs/science.md#references)."""

CITATIONS = {
    "bandpass": "Hermens HJ et al. (2000) Development of recommendations for SEMG sensors and sensor placement procedures. "
                "J Electromyogr Kinesiol 10:361-374; De Luca CJ et al. (2010) Filtering the surface EMG signal. J Biomech 43:1573-1579.",
    "envelope": "Winter DA (2009) Biomechanics and Motor Control of Human Movement, 4th ed. Wiley; Konrad P (2005) The ABC of EMG. Noraxon.",
    "onsets": "Hodges PW, Bui BH (1996) Electroencephalogr Clin Neurophysiol 101:511-519; Bonato P, D'Alessio T, Knaflitz M (1998) "
              "IEEE Trans Biomed Eng 45:287-299; Solnik S et al. (2010) Eur J Appl Physiol 110:489-498.",
    "normalization": "Yang JF, Winter DA (1984) Arch Phys Med Rehabil 65:517-521; Burden A (2010) J Electromyogr Kinesiol 20:1023-1035; "
                     "Besomi M et al. (2020) J Electromyogr Kinesiol 53:102438.",
    "symmetry": "Robinson RO, Herzog W, Nigg BM (1987) J Manipulative Physiol Ther 10:172-176; Zifchock RA et al. (2008) Gait Posture "
                "27:622-627; Knapik JJ et al. (1991) Am J Sports Med 19:76-81; Bishop C, Turner A, Read P (2018) J Sports Sci 36:1135-1144.",
    "cocontraction": "Falconer K, Winter DA (1985) Electromyogr Clin Neurophysiol 25:135-149; Rudolph KS, Axe MJ, Snyder-Mackler L (2000) "
                     "Knee Surg Sports Traumatol Arthrosc 8:262-269; Unnithan VB et al. (1996) Electromyogr Clin Neurophysiol 36:487-494.",
    "fatigue": "De Luca CJ (1997) J Appl Biomech 13:135-163; Merletti R, Knaflitz M, De Luca CJ (1990) J Appl Physiol 69:1810-1820; "
               "Cifrek M et al. (2009) Clin Biomech 24:327-340; Dimitrov GV et al. (2006) Med Sci Sports Exerc 38:1971-1979.",
    "reporting": "Merletti R (1999) Standards for reporting EMG data. J Electromyogr Kinesiol 9(1):III-IV.",
}
