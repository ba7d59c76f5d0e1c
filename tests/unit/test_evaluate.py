"""`make eval`'s pure parts: folds stratified by language and intent, scores split by language."""
from __future__ import annotations

from bot.nlp.evaluate import Example, Prediction, by_language, folds, scores


def _examples() -> list[Example]:
    return [Example(lang, f"{lang} {intent} {i}", intent, None)
            for lang in ("en", "ar") for intent in ("greet", "stop") for i in range(10)]


def test_every_fold_holds_out_a_fifth_of_each_language_and_intent_and_is_repeatable():
    examples = _examples()
    split = folds(examples, 5)
    assert split == folds(examples, 5)
    for _, test in split:
        held = [examples[i] for i in test]
        assert len(held) == 8
        assert {(e.language, e.intent) for e in held} == {(lang, i) for lang in ("en", "ar") for i in ("greet", "stop")}
    assert sorted(i for _, test in split for i in test) == list(range(len(examples)))


def test_scores_count_the_fallback_as_wrong_and_are_split_by_language():
    examples = _examples()
    predictions = [Prediction(e, "nlu_fallback" if e.language == "ar" and e.intent == "stop" else e.intent, e.intent)
                   for e in examples]
    grouped = by_language(predictions)
    assert scores(grouped["en"], "deployed")["macro"] == 1.0
    arabic = scores(grouped["ar"], "deployed")
    assert arabic["stop"] == 0.0 and arabic["greet"] == 1.0 and arabic["macro"] == 0.5
    assert scores(grouped["ar"], "classifier")["macro"] == 1.0
