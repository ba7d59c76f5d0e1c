"""Sample CLINC150 queries as English `out_of_scope` training examples.

CLINC150 (Larson et al., "An Evaluation Dataset for Intent Classification and Out-of-Scope
Prediction", EMNLP 2019; github.com/clinc/oos-eval, CC BY 3.0) holds crowd-written everyday
requests (banking, travel, cooking, small talk...) that are all out of scope for the intake
assistant. The sample is drawn from the `train` and `oos_train` splits only: `val` and `oos_val`
are kept for measuring false intakes (`python -m bot.nlp.ood_check`).

The sample is deterministic (fixed seed), stratified over the CLINC intents (the same number of
queries from each, the remainder spread over a seeded choice of intents) plus a share of
`oos_train`. Left out:

* CLINC intents that are in-scope intents of this assistant (`greeting` is `greet`, `yes` is
  `affirm`, `cancel` is `stop`, `change_language` is `switch_language`, `are_you_a_bot` is `help`,
  `change_user_name` is `correct`...): see EXCLUDED_INTENTS;
* queries that could be a genuine partnership message (they mention Wikipedia, donating, a
  museum, photos, a licence, research, students...): see PARTNERSHIP_WORDS;
* queries that ask to talk to a person ("i need to speak to customer service"): asking for a
  person is `request_human` here whatever the topic, see asks_for_a_person;
* queries with Rasa's entity markup characters, and queries that already are a training example
  of this project (any language, any intent, case-insensitively).

CLI::

    python -m bot.nlp.clinc_sample --source ../shared/data/clinc150/train_val.json \\
        --out data/nlu/en/out_of_scope_clinc.yml [--size 600] [--seed 150]
"""
from __future__ import annotations

import argparse
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.data import ROOT

NLU = ROOT / "data" / "nlu"

#: Splits the sample may come from; `val` and `oos_val` never (they are the held-out check).
SAMPLE_SPLITS = ("train", "oos_train")
HELD_OUT_SPLITS = ("val", "oos_val")

DEFAULT_SIZE = 600
DEFAULT_SEED = 150
#: Share of the sample taken from `oos_train` (queries that fit none of the 150 intents).
OOS_SHARE = 0.1

#: CLINC intents whose queries are in-scope intents of this assistant (greet, goodbye, thank,
#: affirm, deny, stop, restart, help, switch_language, correct), or the "not sure" answer of the
#: form: as out_of_scope they would teach the model to ignore the partner.
EXCLUDED_INTENTS = frozenset({
    "greeting",            # greet ("hello, anyone there")
    "goodbye",             # goodbye
    "thank_you",           # thank
    "yes",                 # affirm
    "no",                  # deny
    "maybe",               # "i'm unsure", "no idea": an inform answer to the licence question
    "cancel",              # stop ("never mind, cancel that")
    "reset_settings",      # restart ("reset everything")
    "repeat",              # help ("please repeat")
    "are_you_a_bot",       # help ("am I talking to a bot?")
    "what_can_i_ask_you",  # help ("what can you help me with")
    "what_is_your_name",   # help ("who are you?")
    "who_made_you",        # help ("what is this service?")
    "who_do_you_work_for",  # help: the answer is "Wikimedia", a fair question here
    "change_language",     # switch_language ("give me your responses only in french")
    "change_user_name",    # correct ("I need to change my name")
    "user_name",           # the contact name the form asked for
})

#: Stems of words that could make a query a genuine Wikimedia or partnership message.
PARTNERSHIP_WORDS = (
    r"wiki", r"commons", r"creative", r"open ?data", r"metadata", r"data ?set", r"database",
    r"donat", r"sponsor", r"fund(ing|raising)", r"grant", r"charit", r"non-?profit", r"ngo\b",
    r"foundation", r"partner", r"collaborat", r"cooperat", r"contribut", r"volunteer",
    r"museum", r"galler", r"librar", r"archiv", r"collection", r"heritage", r"histor",
    r"manuscript", r"exhibit", r"photo", r"picture", r"image", r"scan", r"digiti[sz]", r"upload",
    r"record(ing)?s?\b", r"video", r"film", r"documentar", r"map\b", r"maps\b",
    r"licen[cs]", r"copyright", r"public domain", r"rights\b",
    r"research", r"study", r"studies", r"scien", r"universit", r"college", r"school", r"academ",
    r"course", r"class\b", r"classes", r"lesson", r"student", r"pupil", r"teach", r"lectur",
    r"professor", r"educat", r"workshop", r"training", r"train (my|our|the) (staff|team)",
    r"event", r"conference", r"meetup", r"contest", r"competition", r"hackathon",
    r"interview", r"journalis", r"reporter", r"press\b", r"media", r"newspaper", r"magazine",
    r"podcast", r"radio", r"broadcast", r"article", r"encyclop", r"edit", r"publish",
    r"\bapi\b", r"integrat", r"our app", r"software", r"developer",
)
_PARTNERSHIP = re.compile(r"\b(" + "|".join(PARTNERSHIP_WORDS) + r")", re.IGNORECASE)
#: "talk to someone", "speak with a live agent", "speak to customer service": a request for a
#: person, which the assistant hands over (request_human) even when the topic is a bank or a flight.
_PERSON_REQUEST = re.compile(
    r"\b(talk|speak|chat)(ing)? (to|with) (a |an |some |your )?"
    r"(someone|somebody|person|human|agent|operator|representative|customer service|real person|live)\b",
    re.IGNORECASE,
)
#: Rasa reads [text](entity) and {"entity": ...} as annotations.
_MARKUP = re.compile(r"[\[\]{}()]")


def could_be_partnership(query: str) -> bool:
    return bool(_PARTNERSHIP.search(query))


def asks_for_a_person(query: str) -> bool:
    return bool(_PERSON_REQUEST.search(query))


def existing_examples(nlu: Path, skip: Path | None = None) -> set[str]:
    """Every training example of data/nlu (all languages), case-folded; `skip` (the file being
    regenerated) is not read."""
    import yaml

    out: set[str] = set()
    for path in sorted(nlu.glob("*/*.yml")):
        if skip is not None and path.resolve() == skip.resolve():
            continue
        for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu") or []:
            for line in str(block.get("examples") or "").splitlines():
                line = line.strip()
                if line.startswith("- "):
                    out.add(re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line[2:]).strip().casefold())
    return out


def clean(query: str) -> str:
    return " ".join(query.split())


def eligible(queries: Iterable[str], taken: set[str]) -> list[str]:
    """Distinct usable queries, sorted (so that the sample depends on the seed only)."""
    out = set()
    for query in queries:
        query = clean(query)
        if (not query or _MARKUP.search(query) or could_be_partnership(query) or asks_for_a_person(query)
                or query.casefold() in taken):
            continue
        out.add(query)
    return sorted(out)


def sample(source: dict[str, list[list[str]]], size: int, seed: int, taken: set[str]) -> list[tuple[str, str]]:
    """(query, clinc intent) pairs: `size` in all, about OOS_SHARE from oos_train, the rest
    stratified over the non-excluded intents of `train`."""
    rng = random.Random(seed)
    by_intent: dict[str, list[str]] = defaultdict(list)
    for query, intent in source["train"]:
        if intent not in EXCLUDED_INTENTS:
            by_intent[intent].append(query)
    pools = {intent: eligible(queries, taken) for intent, queries in sorted(by_intent.items())}
    oos_pool = eligible((q for q, _ in source["oos_train"]), taken)

    n_oos = min(len(oos_pool), round(size * OOS_SHARE))
    intents = sorted(pools)
    per_intent, remainder = divmod(size - n_oos, len(intents))
    extra = set(rng.sample(intents, remainder))
    chosen: list[tuple[str, str]] = []
    seen: set[str] = set()
    for intent in intents:
        want = per_intent + (intent in extra)
        pool = [q for q in pools[intent] if q.casefold() not in seen]
        picked = rng.sample(pool, min(want, len(pool)))
        chosen += [(q, intent) for q in picked]
        seen |= {q.casefold() for q in picked}
    oos = [q for q in oos_pool if q.casefold() not in seen]
    chosen += [(q, "oos") for q in rng.sample(oos, min(n_oos, len(oos)))]
    return chosen


HEADER = """\
# English out-of-scope examples sampled from CLINC150: everyday requests (banking, travel, cooking,
# small talk...) that are not partnership inquiries. Generated; do not edit by hand.
#
# Source: S. Larson, A. Mahendran, J. J. Peper, C. Clarke, A. Lee, P. Hill, J. K. Kummerfeld,
# K. Leach, M. A. Laurenzano, L. Tang and J. Mars, "An Evaluation Dataset for Intent
# Classification and Out-of-Scope Prediction", EMNLP-IJCNLP 2019.
# https://github.com/clinc/oos-eval (data/data_full.json), licensed under Creative Commons
# Attribution 3.0 Unported (CC BY 3.0, https://creativecommons.org/licenses/by/3.0/).
# Changes: a sample of the `train` and `oos_train` splits ({count} queries, seed {seed});
# queries of {excluded} CLINC intents that are in scope here, queries mentioning partnership
# words and requests to talk to a person were left out; whitespace normalised.
#
# Generated with:
#   .venv/bin/python -m bot.nlp.clinc_sample --source {source} --out {out} --size {size} --seed {seed}
"""


def render(chosen: Sequence[tuple[str, str]], *, source: str, out: str, size: int, seed: int) -> str:
    lines = [HEADER.format(count=len(chosen), size=size, seed=seed, excluded=len(EXCLUDED_INTENTS),
                           source=source, out=out),
             'version: "3.1"', "nlu:", "- intent: out_of_scope", "  examples: |"]
    lines += [f"    - {query}" for query, _ in chosen]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", required=True, help="CLINC150 train_val.json")
    parser.add_argument("--out", required=True, help="the NLU YAML file to write")
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help=f"queries to sample (default {DEFAULT_SIZE})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--nlu", default=str(NLU), help="training data whose examples are not repeated")
    args = parser.parse_args(argv)

    source = json.loads(Path(args.source).read_text(encoding="utf-8"))
    missing = [s for s in SAMPLE_SPLITS if s not in source]
    if missing:
        parser.error(f"{args.source} has no {', '.join(missing)} split")
    # Only the sampling splits reach sample(): the held-out ones cannot leak into training.
    source = {split: source[split] for split in SAMPLE_SPLITS}
    out = Path(args.out)
    taken = existing_examples(Path(args.nlu), skip=out)
    chosen = sample(source, args.size, args.seed, taken)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(chosen, source=args.source, out=args.out, size=args.size, seed=args.seed), encoding="utf-8")
    intents = {intent for _, intent in chosen if intent != "oos"}
    print(f"wrote {len(chosen)} out_of_scope examples to {out} "
          f"({len(intents)} CLINC intents, {sum(i == 'oos' for _, i in chosen)} from oos_train)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
