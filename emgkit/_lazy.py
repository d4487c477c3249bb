"""Lazy public names for a package (PEP 562): submodules load on first use of a name."""

from importlib import import_module


def lazy_exports(package: str, namespace: dict, exports: dict, submodules=()):
    """Return ``(__getattr__, __dir__)`` for ``package``.

    ``exports`` maps a public name to the relative module defining it;
    ``submodules`` are relative module names reachable as attributes.  A
    resolved name is cached in ``namespace`` (the package's ``globals()``).
    """
    submodules = frozenset(submodules)

    def __getattr__(name):
        if name in submodules:
            return import_module(f".{name}", package)
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__():
        return sorted(set(namespace) | set(exports) | submodules)

    return __getattr__, __dir__
