"""Checks the system libraries WeasyPrint needs and says how to install what is missing."""

import ctypes.util
import sys

LIBRARIES = {
    "pango-1.0": "libpango-1.0-0",
    "pangoft2-1.0": "libpangoft2-1.0-0",
    "harfbuzz-subset": "libharfbuzz-subset0",
}


def missing_packages() -> list[str]:
    return [package for lib, package in LIBRARIES.items() if not ctypes.util.find_library(lib)]


def main() -> int:
    missing = missing_packages()
    if not missing:
        return 0
    print(
        "Bibliothèques système manquantes pour WeasyPrint (PDF) : " + ", ".join(missing) + "\n"
        "Installez-les avec : sudo apt-get install -y " + " ".join(missing) + "\n"
        "(sans libharfbuzz-subset0, la génération des PDF est environ 8 fois plus lente)",
        file=sys.stderr,
    )
    # Pango is indispensable; harfbuzz-subset only makes PDFs faster.
    return 1 if any(p != "libharfbuzz-subset0" for p in missing) else 0


if __name__ == "__main__":
    sys.exit(main())
