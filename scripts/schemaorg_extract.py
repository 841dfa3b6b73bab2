"""Write the small extract of the schema.org vocabulary that tests/web/test_jsonld.py checks the pages'
JSON-LD against: the types symcheck emits with all their ancestors, and the properties it uses with their
domains and ranges, copied from a schema.org release's CSV files.

    git clone https://github.com/schemaorg/schemaorg   # or download the two CSV files of a release
    python scripts/schemaorg_extract.py schemaorg/data/releases/30.0 --commit <sha> > tests/web/data/schemaorg-30.0-extract.json

The tests never fetch anything: to move to a newer release, run this again and commit the new file.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from pathlib import Path

TYPES = ["MedicalWebPage", "MedicalCondition", "MedicalSignOrSymptom", "MedicalRiskFactor", "MedicalTherapy",
         "MedicalCode", "MedicalTest", "DDxElement", "CreativeWork", "WebSite", "Organization", "Person",
         "Text", "URL", "Date"]
PROPERTIES = ["about", "lastReviewed", "reviewedBy", "signOrSymptom", "riskFactor", "possibleTreatment", "code",
              "codeValue", "codingSystem", "name", "alternateName", "description", "url", "inLanguage", "isPartOf",
              "citation", "differentialDiagnosis", "diagnosis", "typicalTest", "possibleComplication"]


def short(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("release", type=Path, help="a release folder, e.g. schemaorg/data/releases/30.0")
    ap.add_argument("--commit", default="", help="the schemaorg repository commit the files came from")
    ap.add_argument("--checked", default=dt.date.today().isoformat(), help="the date the files were read")
    args = ap.parse_args()
    version = args.release.name
    with open(args.release / "schemaorg-current-https-types.csv") as f:
        types = {r["label"]: r for r in csv.DictReader(f)}
    with open(args.release / "schemaorg-current-https-properties.csv") as f:
        props = {r["label"]: r for r in csv.DictReader(f)}
    out_types: dict[str, list[str]] = {}
    todo = list(TYPES)
    while todo:
        name = todo.pop()
        if name in out_types:
            continue
        parents = [short(p) for p in types[name]["subTypeOf"].split(", ") if p.startswith("https://schema.org/")]
        out_types[name] = parents
        todo += parents
    out_props = {
        name: {"domainIncludes": [short(d) for d in props[name]["domainIncludes"].split(", ") if d],
               "rangeIncludes": [short(r) for r in props[name]["rangeIncludes"].split(", ") if r]}
        for name in PROPERTIES
    }
    json.dump({
        "source": f"https://github.com/schemaorg/schemaorg/tree/{args.commit or 'main'}/data/releases/{version}"
                  "/schemaorg-current-https-{types,properties}.csv",
        "version": version,
        "commit": args.commit,
        "checked": args.checked,
        "made_by": "scripts/schemaorg_extract.py",
        "types": dict(sorted(out_types.items())),
        "properties": dict(sorted(out_props.items())),
    }, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
