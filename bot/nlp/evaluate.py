"""`make eval`: cross-validated intent F1 of the NLU pipeline, per language and per intent.

The deployed model is one multilingual model trained on data/nlu/<lang>/ of every language.
Each fold trains it on 4/5 of every language's examples (folds stratified by intent and
language, fixed seed) and predicts the held-out fifth; the scores are then split by the language
of the held-out example. A prediction of `nlu_fallback` counts as wrong ("deployed"); the
"classifier" column scores the top intent before the fallback threshold.

`--per-language` also trains one model per language on that language's data alone, to compare
the two designs on the same folds. `--languages es,fr` restricts the data (and the report).
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.data import ROOT

NLU = ROOT / "data" / "nlu"
FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Example:
    language: str
    text: str
    intent: str
    message: object  # rasa Message, kept to write the fold's training data


@dataclass(frozen=True)
class Prediction:
    example: Example
    deployed: str  # the intent the assistant acts on (nlu_fallback when unsure)
    classifier: str  # the classifier's best intent


def load_examples(languages: Sequence[str]) -> list[Example]:
    from rasa.shared.nlu.training_data.loading import load_data

    out = []
    for language in languages:
        data = load_data(str(NLU / language))
        out += [Example(language, m.get("text"), m.get("intent"), m) for m in data.intent_examples]
    return out


def folds(examples: list[Example], n: int, seed: int = 42) -> list[tuple[list[int], list[int]]]:
    from sklearn.model_selection import StratifiedKFold

    labels = [f"{e.language}/{e.intent}" for e in examples]
    splitter = StratifiedKFold(n_splits=n, shuffle=True, random_state=seed)
    return [(list(a), list(b)) for a, b in splitter.split(examples, labels)]


def _train(config: str, train: list[Example], workdir: Path) -> str:
    import rasa.model_training
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
    from rasa.shared.nlu.training_data.training_data import TrainingData

    path = workdir / "train.yml"
    RasaYAMLWriter().dump(path, TrainingData(training_examples=[e.message for e in train]))
    with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # Rasa's banner per fold
        return str(rasa.model_training.train_nlu(config, str(path), str(workdir)))


async def _predict(model: str, test: list[Example]) -> list[Prediction]:
    from rasa.core.agent import Agent
    from rasa.core.channels import UserMessage

    processor = Agent.load(model).processor
    out = []
    for example in test:
        parsed = await processor.parse_message(UserMessage(text=example.text))
        deployed = (parsed.get("intent") or {}).get("name") or FALLBACK
        ranking = [r["name"] for r in parsed.get("intent_ranking") or [] if r.get("name") != FALLBACK]
        out.append(Prediction(example, deployed, ranking[0] if ranking else deployed))
    return out


def cross_validate(config: str, examples: list[Example], n: int, *, separate: bool = False) -> list[Prediction]:
    """Held-out predictions of every example; `separate` trains one model per language on the
    same folds instead of one model on all of them."""
    predictions: list[Prediction] = []
    for number, (train_index, test_index) in enumerate(folds(examples, n), start=1):
        started = time.monotonic()
        train, test = [examples[i] for i in train_index], [examples[i] for i in test_index]
        groups = sorted({e.language for e in examples}) if separate else [None]
        for language in groups:
            with tempfile.TemporaryDirectory() as workdir:
                model = _train(config, [e for e in train if language in (None, e.language)], Path(workdir))
                predictions += asyncio.run(_predict(model, [e for e in test if language in (None, e.language)]))
        print(f"  fold {number}/{n}: {len(train)} trained, {len(test)} held out, "
              f"{time.monotonic() - started:.0f} s", flush=True)
    return predictions


def scores(predictions: list[Prediction], attribute: str) -> dict[str, float]:
    """Per-intent F1 plus 'macro' and 'weighted' for one kind of prediction."""
    from sklearn.metrics import f1_score

    truth = [p.example.intent for p in predictions]
    guessed = [getattr(p, attribute) for p in predictions]
    labels = sorted(set(truth))
    per_intent = f1_score(truth, guessed, labels=labels, average=None, zero_division=0)
    out = dict(zip(labels, (float(x) for x in per_intent), strict=True))
    out["macro"] = float(f1_score(truth, guessed, labels=labels, average="macro", zero_division=0))
    out["weighted"] = float(f1_score(truth, guessed, labels=labels, average="weighted", zero_division=0))
    return out


def by_language(predictions: list[Prediction]) -> dict[str, list[Prediction]]:
    grouped: dict[str, list[Prediction]] = defaultdict(list)
    for p in predictions:
        grouped[p.example.language].append(p)
    return dict(grouped)


def print_report(predictions: list[Prediction], title: str) -> dict[str, dict[str, float]]:
    grouped = by_language(predictions)
    languages = sorted(grouped, key=lambda c: (c != "en", c))
    deployed = {lang: scores(grouped[lang], "deployed") for lang in languages}
    classifier = {lang: scores(grouped[lang], "classifier") for lang in languages}
    intents = sorted({p.example.intent for p in predictions})
    print(f"\n{title}: intent F1 per language (deployed, nlu_fallback counts as wrong)")
    print(f"{'intent':<20}" + "".join(f"{lang:>7}" for lang in languages))
    for intent in intents:
        print(f"{intent:<20}" + "".join(f"{deployed[lang].get(intent, float('nan')):7.2f}" for lang in languages))
    for row, table in (("macro", deployed), ("weighted", deployed)):
        print(f"{row + ' avg':<20}" + "".join(f"{table[lang][row]:7.2f}" for lang in languages))
    print(f"{'classifier macro':<20}" + "".join(f"{classifier[lang]['macro']:7.2f}" for lang in languages))
    print(f"{'examples':<20}" + "".join(f"{len(grouped[lang]):7d}" for lang in languages))
    return deployed


def print_detection(examples: list[Example]) -> None:
    """How the channels' language guess (bot/i18n/detect.py) does on the training examples, by
    length: share guessed right, share guessed wrong (a wrong guess would switch the
    conversation), share left unguessed (the conversation keeps its language)."""
    from bot.i18n.detect import guess

    buckets = (("1-2 words", 1, 2), ("3-5 words", 3, 5), ("6+ words", 6, 10_000))
    languages = sorted({e.language for e in examples}, key=lambda c: (c != "en", c))
    print("\nlanguage detection on the examples: right / wrong / no guess (share of examples)")
    print(f"{'':<10}" + "".join(f"{name:>26}" for name, _, _ in buckets))
    for language in languages:
        cells = []
        for _, low, high in buckets:
            texts = [e.text for e in examples if e.language == language and low <= len(e.text.split()) <= high]
            found = [guess(t) for t in texts]
            right = sum(1 for g in found if g and g.language == language)
            wrong = sum(1 for g in found if g and g.language != language)
            n = max(1, len(texts))
            cells.append(f"{right / n:.2f} / {wrong / n:.2f} / {(n - right - wrong) / n:.2f} ({len(texts):>3})")
        print(f"{language:<10}" + "".join(f"{c:>26}" for c in cells))


def main(argv: Sequence[str] | None = None) -> int:
    from bot.i18n.catalog import supported_languages

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--languages", default="", help="comma-separated (default: every supported language)")
    parser.add_argument("--per-language", action="store_true", help="also train one model per language")
    args = parser.parse_args(argv)
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.ERROR)
    configure_structlog(logging.ERROR)
    languages = tuple(x for x in args.languages.split(",") if x) or supported_languages()
    started = time.monotonic()
    examples = load_examples(languages)
    print(f"{len(examples)} examples in {len(languages)} languages; one multilingual model, {args.folds} folds")
    print_report(cross_validate(args.config, examples, args.folds), "multilingual model")
    if args.per_language:
        print("\none model per language, same folds")
        print_report(cross_validate(args.config, examples, args.folds, separate=True), "one model per language")
    print_detection(examples)
    print(f"\n{args.folds}-fold cross-validation of {args.config} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
