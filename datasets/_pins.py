"""SHA-256 of the data files of the public data sets, pinned for :func:`emgkit.datasets.public.fetch`.

Computed from independent copies of the files (the real recordings used by the tests,
``../shared/data/uci_physical_action`` and ``../shared/data/uci_lower_limb``, whose ``SOURCE.md`` names
the public repositories and commits they were copied from).  They cover part of each data set
(subjects 1-2 of the physical-action set, subjects 1-3 of the lower-limb set): ``fetch`` checks every
file of an archive that has a pin here, by its path relative to the data set (physical action) or
its file name (lower limb), and refuses the archive when one differs.
"""

__all__ = ["FILE_SHA256"]

FILE_SHA256: dict[str, dict[str, str]] = {
    "uci_physical_action": {
        "sub01/Aggressive/txt/Elbowing.txt": "c8bdbaefad792dab25a2be13690a6eeba9424c94ce3a5c7d0f1d1f671811d975",
        "sub01/Aggressive/txt/Frontkicking.txt": "d3d7d9521388c630bf2f39d1b1c7703084f6d0e1dc1ffce287d7722d9a8d70e5",
        "sub01/Aggressive/txt/Hamering.txt": "6b51b0b067f7c87873d63cdd8005fb6481fc91045c00a349dced90fd2075ad3d",
        "sub01/Aggressive/txt/Headering.txt": "dc2b379314d744299a4a540e4956183db2d7847ce5b61b45ac3e323e2ec1bb2f",
        "sub01/Aggressive/txt/Kneeing.txt": "74126f2f7e4730bbbdd6a2ac273d2f3cdeeff21718966a9fcd017767ce5fe523",
        "sub01/Aggressive/txt/Pulling.txt": "db0d5bc295a06d40132cf52a068b748fc09e281cd270b7d39eccfbbb8894de1f",
        "sub01/Aggressive/txt/Punching.txt": "2a15276f561c0941fbcffec20f3646473f0128ff781fc177ed92df69e67cb427",
        "sub01/Aggressive/txt/Pushing.txt": "973efe6c7df3f852b4ded6ce5272b840434b98ac94c96c19e9b03fe2886edd82",
        "sub01/Aggressive/txt/Sidekicking.txt": "ca6ce765bcc0acd7e45cf90e902759d8bdab488111276613e391fe00f0de97eb",
        "sub01/Aggressive/txt/Slapping.txt": "8eeb900931ef3977d9aa95ca9e9db5b17c5ceed2df58c87720791d4799120e5f",
        "sub01/Normal/txt/Bowing.txt": "15797f07d4ce30c1a24583889f80984c281c498975dd1e6b951a9a1db114cafb",
        "sub01/Normal/txt/Clapping.txt": "82be876de3f0b10445824f30a9dc2190371830b7b6afe3931eed61dff039279c",
        "sub01/Normal/txt/Handshaking.txt": "da5ab2ec348fc6b41ce4122f63d381d708baf0a83bcc15cf1dc55df202b56bb9",
        "sub01/Normal/txt/Hugging.txt": "b53f44d40c2ae5bb503d713552afb2f14ae2aa77c34c6ac88c2eff0ec0face73",
        "sub01/Normal/txt/Jumping.txt": "22819135a89cd05747079e3bbaa302988f3d20d499c88d8be1216294998a4286",
        "sub01/Normal/txt/Running.txt": "11f7b43a24d223712bd729eaa56287f677d857bd549407e8c4530acb02cc3592",
        "sub01/Normal/txt/Seating.txt": "7e515abcb2f1ecc845fbc3dfc66e641e8399bc91e2e20fc066086c5712dc1583",
        "sub01/Normal/txt/Standing.txt": "7ef074c67c1e34507007b6e4e90163fc2f3c4554b278f63b8d5c8efa092c041f",
        "sub01/Normal/txt/Walking.txt": "65317338a2f2debd27ba2d884652ad6d8aecbc8a5019eb37bfbc682280340bd8",
        "sub01/Normal/txt/Waving.txt": "a9722ae20c20bfd2e9b37be800b2a335ae3dafb0809e18ead2da1856334159f9",
        "sub02/Aggressive/txt/Elbowing.txt": "ef4fd7fdea6145c9384571fb97b03d7ef847755696a1ae7dddc71de7c19a54c4",
        "sub02/Aggressive/txt/Frontkicking.txt": "b2541d4d12b922bb1c8fa114375fbb7591a7157fd8c999c4bc9f3c64c7868ffb",
        "sub02/Aggressive/txt/Hamering.txt": "33bcb2d6e4b0d4e52cfaf88c16104c2aa3e2ba05f3deaec138cb9e33ffc1247f",
        "sub02/Aggressive/txt/Headering.txt": "854f0ba2fac92b9f1e74b72d8edf97f594a14e70fa41e9382680cd52567c3dde",
        "sub02/Aggressive/txt/Kneeing.txt": "b45a73d317f55d790a15c9be0f63f99c33120dc64a54e157f98c5c783699a883",
        "sub02/Aggressive/txt/Pulling.txt": "ecc04e6c9ff60c438dd5dca5ed00d719719fa30d1b5b473bcbcc2f3494758eee",
        "sub02/Aggressive/txt/Punching.txt": "375a21d4fc2b616eac205985b7290dabf30b142a3626054d8d75ff43c30756e4",
        "sub02/Aggressive/txt/Pushing.txt": "abad930b751136e0b7eafde9798658cc445f59d05825ca95575740d46d1f51cb",
        "sub02/Aggressive/txt/Sidekicking.txt": "6ecfb14179115de8e40b87f616d5653cccdbaac787ae0d609e648f7d5dba3c11",
        "sub02/Aggressive/txt/Slapping.txt": "a929cf6c465f1f4b164bd36feff5aed6d7b5a712ea665b0ec11ab0ae1926a6b6",
        "sub02/Normal/txt/Bowing.txt": "f67cb9928440301a083520ef445da156c708ded3a296c022aed05d7e85aecd46",
        "sub02/Normal/txt/Clapping.txt": "a2a33cd852d2f684c8da45fd6e3f1aa9e67baabff4f44ab48dc541829b942107",
        "sub02/Normal/txt/Handshaking.txt": "39deab581d8f1464e6e0be9ce23bc912ce8182a0be6e0bd079c6480183ab3c85",
        "sub02/Normal/txt/Hugging.txt": "8441546799e849ee32752d5802f6cc05dca51a944012693b1a000ca7ba9ab2eb",
        "sub02/Normal/txt/Jumping.txt": "a7f2bc80ef93b7266958090966d99536c88b5777b6694df867054f5a6fa38032",
        "sub02/Normal/txt/Running.txt": "5b7e904a2c9be47aee9e2a889d4be236071c1c1c02cfa462894413a890658695",
        "sub02/Normal/txt/Seating.txt": "05dc030e0529a9630753b1bb104d5a8f813d36eac6be8eb6b4a7e47b3597dbcf",
        "sub02/Normal/txt/Standing.txt": "43bd9e20f2cdaf5127f2e481ab5d785aa4cd68bf73e76becf00aba416da62281",
        "sub02/Normal/txt/Walking.txt": "c601bb3cd87fc861b1fbbb87f17c65b594b6a5769f59fbd36e9ff86aa6c050bc",
        "sub02/Normal/txt/Waving.txt": "3bd64bd9b06526b67668e73315b4489cfe433137f33d983d73d3e160d0036c96",
    },
    "uci_lower_limb": {
        "1Amar.txt": "cc214495a5d633df407c2d0615ec8ebbe53d6bb59f537a3dada91e01f107ae67",
        "1Apie.txt": "f09eb87b0b388052921e7c62252da2543d767cd2ee1a9f871efb917aad744a9c",
        "1Asen.txt": "c37b6f3f9709b7161b24b151f4f2fb3336a8fa9d50ee5ae40f1d4a5d66854633",
        "1Nmar.txt": "e57db6b359dc3f7940b1f8ff165fea673c2c2e74f41a9b78a3811361bbf8cea4",
        "1Npie.txt": "bb6f10fa95909ba44924a20c6269f550b50eb84e924eaa0bb4579b9d35007e1f",
        "1Nsen.txt": "1a86b7c44b125a31c64212d76e63fd4faddd83edd71b4295b352d17bc3f3e424",
        "2Amar.txt": "15568015a1a82e55e213a315133e7889c7dbae7c90117ec2335f17bb945c3618",
        "2Apie.txt": "922dcdf7cd8045e0379b49cd8e6e89b962951dbde3bd3981333ab2bccdacd8ee",
        "2Asen.txt": "f51aff669a80d642c6577a1b24261d60f6a7b4706c8d95dd39f24cccdcf62378",
        "2Nmar.txt": "d06363217187e2934be1874b17949a465062c9f929da4f6f3083167c606713b0",
        "2Npie.txt": "334d334a90722c6a63e8b4489a68e0f56ba7d8ca1d2562ed050a981c0ffd0195",
        "2Nsen.txt": "79de5075c33a8741a42a42aca48746b6fd6695539cdf18bdd856fa79347ca6c3",
        "3Amar.txt": "910f1d74501b3f381bf704b1b1ebef262f9734116a8220c2197b557fc98054c0",
        "3Apie.txt": "594350d83e3271207f447cd555b10e4448e8f6002a8f082f050570bb6937419e",
        "3Asen.txt": "20c8a73f0bcd89ab7ec0db40232c1e2fee66ddd62e569e37deca5d9aade9ac81",
        "3Nmar.txt": "25d773b1dca34edf7eb596db830bd57648184f677f28d77e1c0b75efd8e2c01d",
        "3Npie.txt": "6a6eb1ef06311115c9b4c734e189c2a087b84c85cdb1ba910d6afdb8f5eb4714",
        "3Nsen.txt": "d2eed8501cad570098d395900bf84ec64db58c16dd8bfd10e729ab2b0d5436ee",
    },
}
