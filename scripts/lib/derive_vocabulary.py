"""O*NET technology examples → vocabulary lines (`canonical<TAB>aliases`), the format of
jobs/text/data/skills.tsv. Run through scripts/derive-vocabulary.

Each example becomes a skill with its full name as an alias; a vendor's prefix ("Microsoft
Excel" → Excel) and a trailing acronym ("Structured query language SQL" → SQL) give shorter
aliases when they are no common English word. An example whose name or short name is already
an alias of the hand-written vocabulary adds its aliases to that skill instead.
"""

import csv
import re
import sys

from wordfreq import zipf_frequency

# Companies whose name leads a product's name in O*NET ("Apache Kafka", "The MathWorks MATLAB").
VENDORS = [
    "Adobe", "Amazon Web Services", "Amazon", "Apache", "Apple", "Atlassian", "Autodesk",
    "Bentley", "Cisco", "Corel", "Dassault Systemes", "Eclipse", "ESRI", "Google",
    "Hewlett-Packard", "HP", "IBM", "Intuit", "Microsoft", "Mozilla", "National Instruments",
    "Oracle", "Red Hat", "Salesforce.com", "SAP", "Siemens", "StataCorp", "Sun Microsystems", "Symantec",
    "The MathWorks", "Trimble",
]
# Sites people link to from a resume's header; a link is no skill.
NOT_SKILLS = {
    "Facebook", "LinkedIn", "Instagram", "YouTube", "TikTok", "Twitter", "Google", "Bing",
    "Blogger", "Careerbuilder.com", "Pinterest", "Snapchat", "WhatsApp", "GroupMe",
}
# Generic descriptions ("Email software", "Payroll software") name a kind of tool, not one.
GENERIC_TAIL = re.compile(
    r"\b(software|systems?|sites|programs|tools|applications|equipment|languages?)$"
)
# Products known by one common word once their vendor is left out.
PRODUCT_WORDS = {"Excel", "Photoshop", "Illustrator", "Outlook", "Acrobat", "Premiere"}
# A word this common (Zipf ≥ 4.5: "Word", "Access", "Project") is never a skill by itself;
# a rarer one that is still a word ("Excel", "Slack") only as written, capitalised.
NEVER_ALONE = 4.5
A_WORD = 3.3
A_RARE_WORD = 2.3
RARE_ACRONYM = 3.0
# A plain word O*NET marks as in demand stands for the tool below this ("Slack", not "Chef").
HOT_WORD = 4.0


def zipf(word):
    return zipf_frequency(word.lower(), "en")


def generic(example):
    words = example.split()
    return all(w == w.lower() for w in words[1:]) and (
        GENERIC_TAIL.search(example) or len(words) > 2 or words[-1].endswith("s")
    )


def acronym_alias(letters):
    """An acronym by itself, as written, where it is unlikely to be something else: `S3`, `SSIS`,
    not `EE` (also electrical engineering) or `DOE` (a name, in a capitalised header)."""
    if not letters.isalpha():
        return "=" + letters
    if len(letters) < 3 or zipf(letters) >= RARE_ACRONYM:
        return None
    return "=" + letters


def common(word, floor=A_WORD):
    return zipf(word) >= floor and re.fullmatch(r"[A-Z]?[a-z]+", word) is not None


def short_alias(name, hot, stripped):
    """How a short name may be matched alone: folded (any case), `=` as written, or not at all.
    `stripped`: the name is what is left of a product's name without its vendor."""
    if len(name) < 2:
        return None
    if not re.search(r"[A-Za-z]", name):
        return name.lower()
    if " " in name:
        # "Visual Studio" is the product as written; "visual studio" may be any studio.
        return "=" + name if all(common(w) for w in name.split()) else name.lower()
    frequency = zipf(name)
    if frequency >= NEVER_ALONE:
        return None
    if stripped and name.isalpha() and name.isupper():
        # "IDE" of "Eclipse IDE", "ERP" of "SAP ERP": the kind of product, not this one.
        return None
    if frequency >= A_WORD or (name.isupper() and len(name) <= 4):
        # A plain word ("Analyze", "Docs") stands for the tool only where it is known to: a
        # product word, or a one-word tool O*NET marks as in demand ("Slack").
        if common(name) and not (name in PRODUCT_WORDS if stripped else hot and frequency < HOT_WORD):
            return None
        return "=" + name
    if common(name, A_RARE_WORD):
        # "Haskell", "Compilers": rare words, but words; the tool is written capitalised.
        return "=" + name
    return name.lower()


def abbreviates(phrase, letters):
    """Whether `letters` abbreviate the end of `phrase`: from a word's initial on, each letter
    in order (`EC2` of "Elastic Compute Cloud", `HTML` of "Hypertext markup language", not
    `GP` of "Microsoft Dynamics")."""
    wanted = [c for c in letters if c.isalpha()]
    if len(wanted) + (len(wanted) < len(letters)) < 2:
        return False
    words = phrase.upper().split()
    for start, word in enumerate(words):
        if word[0] == wanted[0]:
            rest = iter(" ".join(words[start:]))
            if all(c in rest for c in wanted):
                return True
    return False


def aliases_of(example, hot):
    """The canonical name, the names it goes by (for finding it in the hand-written vocabulary)
    and its aliases, the full name first."""
    name = re.sub(r" software$", "", example)
    acronym = re.fullmatch(r"(.+?) ([A-Z][A-Z0-9]+)", name) or re.fullmatch(
        r"(.+?) \(([A-Z][A-Za-z0-9]+)\)", name
    )
    shorts, acronyms = [], []
    if acronym and (name.endswith(")") or abbreviates(*acronym.groups())):
        phrase, letters = acronym.groups()
        canonical = f"{phrase} ({letters})"
        names = [name, phrase, letters]
        acronyms = [acronym_alias(letters)]
        name = phrase
    else:
        canonical = name
        names = [name]
    vendor = next((v for v in VENDORS if name.startswith(v + " ") and name not in VENDORS), None)
    if vendor:
        names.append(name[len(vendor) + 1:])
        shorts.append((names[-1], True))
    if " " in name:
        full = [n.lower() for n in names if " " in n and not (vendor and n == names[-1])]
    else:
        full = []
        shorts.append((name, False))
    aliases = []
    shorts = [short_alias(short, hot, stripped) for short, stripped in shorts]
    # The vocabulary's lines separate aliases with commas.
    for alias in full + acronyms + shorts:
        if alias and "," not in alias and alias not in aliases:
            aliases.append(alias)
    return canonical, names, aliases


def key(alias):
    return alias.lstrip("=").lower()


def read_core(path):
    """The hand-written vocabulary: the skill of each alias and canonical name (in lower case),
    and its aliases as matched (folded in lower case, `=` as written)."""
    owner, taken = {}, set()
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or "\t" not in line:
            continue
        name, aliases = line.rstrip("\n").split("\t", 1)
        aliases = [a.strip() for a in aliases.split(",")]
        taken.update(a if a.startswith("=") else a.lower() for a in aliases)
        for alias in aliases + [name]:
            owner.setdefault(key(alias), name)
    return owner, taken


def fresh(alias, taken):
    """Whether `alias` matches what no alias matches yet (`=Excel` is new beside "ms excel")."""
    return alias not in taken and key(alias) not in taken


def main(source, core_path):
    rows = list(csv.DictReader(open(source, encoding="utf-8"), delimiter="\t"))
    hot = {r["Example"] for r in rows if r["Hot Technology"] == "Y"}
    uses = {}
    for r in rows:
        uses[r["Example"]] = uses.get(r["Example"], 0) + 1
    # The most used first, so that where two share an alias the better known keeps it.
    examples = sorted(uses, key=lambda e: (e not in hot, -uses[e], e))
    owner, taken = read_core(core_path)
    skills = {}
    for example in examples:
        if example in NOT_SKILLS or generic(example):
            continue
        canonical, names, aliases = aliases_of(example, example in hot)
        known = next((owner[key(n)] for n in names if key(n) in owner), None)
        skill = known or canonical
        new = [a for a in aliases if fresh(a, taken)]
        if new:
            skills.setdefault(skill, []).extend(new)
        for alias in new:
            owner.setdefault(key(alias), skill)
            taken.add(alias)
    print("# Derived from the O*NET 29.2 Database (USDOL/ETA), CC BY 4.0, by scripts/derive-vocabulary:")
    print("# see README.md. Lines naming a skill of skills.tsv add aliases to it.")
    for skill in sorted(skills, key=str.lower):
        print(f"{skill}\t{','.join(skills[skill])}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
