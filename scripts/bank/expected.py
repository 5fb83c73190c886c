"""Expected answers of the public question bank (issue 11), computed with pandas.

The questions live in agent-service/tests/data/public/bank.json, each with the pandas
expression that answers it; this script evaluates every expression on the dataset as
pandas reads it (its default missing-value markers: the empty field, NA, N/A, NaN, NULL,
null, None, #N/A, <NA>, ...; the date columns named in the bank parsed with their format)
and writes agent-service/tests/data/public/expected.json, which is committed. The Rust
test (agent-service/src/offline/bank/public.rs) reads only expected.json, so `make test`
needs no Python. Nothing here looks at the offline analyst: the answers come from the
data alone.

An expression sees `df` (the dataset), `pd`, and three helpers that refuse ambiguous
questions rather than pick one answer silently:
  highest(series) / lowest(series)  the (label, value) of the single largest / smallest
                                    value (a tie raises);
  top(series, n)                    the n largest values with their labels (a tie at the
                                    n-th place raises).

What each kind becomes in expected.json:
  count   {"value": n}                    a number of rows, stated in the answer
  number  {"value": x} or {"value": x, "label": "..."} when the expression gives
          (label, value): the answer names the label with the value
  pairs   {"pairs": [["label", x], ...]}  one row per group (or per listed row)
  refuse  {"missing": "word"}             no column fits: an honest refusal naming it

Regenerate (after changing bank.json or a dataset), from the repository root:

    python3 -m venv /tmp/bank-env
    /tmp/bank-env/bin/pip install pandas
    /tmp/bank-env/bin/python scripts/bank/expected.py

and commit expected.json. `--check` compares instead of writing, and exits 1 when the
committed file is out of date. scripts/bank/datasets.py copies the datasets from the
packages they come from (see agent-service/tests/data/public/README.md).
"""

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = ROOT / "agent-service" / "tests" / "data" / "public"
KINDS = {"count", "number", "pairs", "refuse"}


def highest(series):
    """The label and value of the one largest value of `series` (its index is the label)."""
    return _extreme(series, largest=True)


def lowest(series):
    """The label and value of the one smallest value of `series`."""
    return _extreme(series, largest=False)


def _extreme(series, largest):
    values = series.dropna()
    best = values.max() if largest else values.min()
    winners = values[values == best]
    if len(winners) != 1:
        raise ValueError(f"a tie for the {'largest' if largest else 'smallest'}: {winners.to_dict()}")
    return winners.index[0], best


def top(series, n):
    """The `n` largest values of `series` with their labels, largest first."""
    values = series.dropna().sort_values(ascending=False, kind="stable")
    if len(values) > n and values.iloc[n - 1] == values.iloc[n]:
        raise ValueError(f"a tie at place {n}: {values.iloc[n - 1]}")
    return values.head(n)


def label(value):
    """A group's or row's label as the answer would show it: text as is, numbers plainly."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "item"):
        return label(value.item())
    return str(value)


def number(value):
    """A finite number for JSON: integers stay integers."""
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value}")
    return int(value) if value.is_integer() else value


def frame(dataset):
    """The dataset as pandas reads it, its date columns parsed."""
    df = pd.read_csv(PUBLIC / dataset["file"])
    for column, form in dataset["dates"].items():
        df[column] = pd.to_datetime(df[column], format=form)
    return df


def answer(question, df):
    """The expected answer of one question (its kind's fields)."""
    kind = question["kind"]
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind}")
    if kind == "refuse":
        return {"missing": question["missing"]}
    scope = {"df": df, "pd": pd, "highest": highest, "lowest": lowest, "top": top}
    result = eval(question["pandas"], scope)  # noqa: S307 -- the bank's own expressions
    if kind == "count":
        if float(result) != int(result):
            raise ValueError(f"a count that is not whole: {result}")
        return {"value": int(result)}
    if kind == "number":
        if isinstance(result, tuple):
            name, value = result
            return {"value": number(value), "label": label(name)}
        return {"value": number(result)}
    return {"pairs": [[label(name), number(value)] for name, value in result.items()]}


def expected():
    """Every dataset with its conversations and their expected answers."""
    bank = json.loads((PUBLIC / "bank.json").read_text())
    datasets = []
    for dataset in bank["datasets"]:
        df = frame(dataset)
        conversations = []
        for conversation in dataset["conversations"]:
            asked = []
            for question in conversation:
                try:
                    fields = answer(question, df)
                except Exception as error:
                    raise SystemExit(f"{dataset['file']}: {question['ask']!r}: {error}") from error
                asked.append({"ask": question["ask"], "kind": question["kind"], **fields, "tests": question["tests"]})
            conversations.append(asked)
        datasets.append(
            {
                "file": dataset["file"],
                "rows": len(df),
                "columns": len(df.columns),
                "dates": [[column, form] for column, form in dataset["dates"].items()],
                "conversations": conversations,
            }
        )
    return {
        "generated": f"by scripts/bank/expected.py from bank.json with pandas {pd.__version__}; do not edit",
        "datasets": datasets,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    args = parser.parse_args()
    text = json.dumps(expected(), indent=1, ensure_ascii=False) + "\n"
    target = PUBLIC / "expected.json"
    if args.check:
        current = json.loads(target.read_text()) if target.exists() else None
        fresh = json.loads(text)
        # The pandas version in `generated` may differ; the answers may not.
        if current is None or current["datasets"] != fresh["datasets"]:
            print(f"{target} is out of date: run scripts/bank/expected.py", file=sys.stderr)
            sys.exit(1)
        print(f"{target} is up to date")
        return
    target.write_text(text)
    total = sum(len(c) for d in json.loads(text)["datasets"] for c in d["conversations"])
    print(f"wrote {target}: {total} questions")


if __name__ == "__main__":
    main()
