"""bot.nlp.clinc_sample: CLINC150 queries as English out_of_scope examples, never from the
held-out splits; bot.nlp.ood_check's report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.nlp import clinc_sample
from bot.nlp.ood_check import Parsed, report

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT.parent / "shared" / "data" / "clinc150" / "train_val.json"
SAMPLED = ROOT / "data" / "nlu" / "en" / "out_of_scope_clinc.yml"


def _source() -> dict[str, list[list[str]]]:
    train = [[f"what is the balance of account {i}", "balance"] for i in range(20)]
    train += [[f"set a timer for {i} minutes", "timer"] for i in range(20)]
    train += [[f"book a table for {i} at the diner", "restaurant_reservation"] for i in range(20)]
    train += [["hello there", "greeting"], ["yes please", "yes"], ["cancel that", "cancel"]]
    train += [["when does the museum open", "balance"], ["donate to the red cross", "timer"],
              ["what does [this](x) mean", "balance"]]
    oos = [[f"how tall is mountain number {i}", "oos"] for i in range(10)]
    return {"train": train, "oos_train": oos,
            "val": [["VAL QUERY must never be sampled", "balance"]],
            "oos_val": [["OOS VAL QUERY must never be sampled", "oos"]]}


@pytest.mark.parametrize("query", ["can I donate photos to Wikipedia", "our museum has scans",
                                   "which licence is this", "I'm a journalist", "my students"])
def test_partnership_words_are_left_out(query):
    assert clinc_sample.could_be_partnership(query)


@pytest.mark.parametrize("query", ["transfer $100 to checking", "what time is it in tokyo",
                                   "book a flight to madrid", "how do i say thank you in french"])
def test_everyday_queries_are_kept(query):
    assert not clinc_sample.could_be_partnership(query)


@pytest.mark.parametrize("query", ["i need to speak to customer service regarding my flight",
                                   "can i talk to someone about why there is a hold on my account",
                                   "connect me, i want to speak with a live agent"])
def test_requests_for_a_person_are_left_out(query):
    """Asking for a person is request_human here, whatever the topic."""
    assert clinc_sample.asks_for_a_person(query)


@pytest.mark.parametrize("query", ["please open a call to my mother", "can a phone call be made to maria",
                                   "what is the real meaning of life"])
def test_calls_to_named_people_are_kept(query):
    assert not clinc_sample.asks_for_a_person(query)


def test_sample_is_stratified_deterministic_and_filtered():
    source = {split: _source()[split] for split in clinc_sample.SAMPLE_SPLITS}
    first = clinc_sample.sample(source, 30, seed=1, taken={"set a timer for 3 minutes"})
    assert first == clinc_sample.sample(source, 30, seed=1, taken={"set a timer for 3 minutes"})
    assert len(first) == 30
    per_intent = {i: sum(1 for _, x in first if x == i) for _, i in first}
    assert per_intent["oos"] == 3  # OOS_SHARE of 30
    assert {per_intent[i] for i in ("balance", "timer", "restaurant_reservation")} == {9}
    texts = [q for q, _ in first]
    assert len(set(texts)) == len(texts)
    assert "set a timer for 3 minutes" not in texts
    assert not {"hello there", "yes please", "cancel that"} & set(texts)  # excluded intents
    assert not any("museum" in t or "donate" in t or "[" in t for t in texts)


def test_cli_never_reads_the_held_out_splits(tmp_path):
    source = tmp_path / "clinc.json"
    source.write_text(json.dumps(_source()))
    nlu = tmp_path / "nlu" / "en"
    nlu.mkdir(parents=True)
    (nlu / "chitchat.yml").write_text('version: "3.1"\nnlu:\n- intent: out_of_scope\n  examples: |\n'
                                      "    - what is the balance of account 0\n")
    out = nlu / "out_of_scope_clinc.yml"
    assert clinc_sample.main(["--source", str(source), "--out", str(out), "--size", "12",
                              "--nlu", str(tmp_path / "nlu")]) == 0
    text = out.read_text()
    assert "CC BY 3.0" in text and "Larson" in text and "clinc/oos-eval" in text
    assert "python -m bot.nlp.clinc_sample" in text
    data = yaml.safe_load(text)
    assert data["version"] == "3.1" and data["nlu"][0]["intent"] == "out_of_scope"
    examples = [x[2:] for x in data["nlu"][0]["examples"].splitlines()]
    assert len(examples) == 12
    assert "what is the balance of account 0" not in examples
    assert not any("VAL QUERY" in x for x in examples)


@pytest.mark.skipif(not SOURCE.exists() or not SAMPLED.exists(), reason="CLINC150 or the sample is missing")
def test_the_committed_sample_shares_nothing_with_the_held_out_splits():
    source = json.loads(SOURCE.read_text(encoding="utf-8"))
    held_out = {" ".join(q.split()).casefold() for split in clinc_sample.HELD_OUT_SPLITS for q, _ in source[split]}
    sampled = [line.strip()[2:] for line in SAMPLED.read_text(encoding="utf-8").splitlines()
               if line.startswith("    - ")]
    assert sampled
    assert not {q.casefold() for q in sampled} & held_out


def test_ood_report_counts_the_intents_that_start_an_intake(capsys):
    parsed = [Parsed("val", "balance", "a", "start_intake", 0.9, "start_intake", 0.9),
              Parsed("val", "timer", "b", "inform", 0.7, "inform", 0.7),
              Parsed("oos_val", "oos", "c", "out_of_scope", 0.8, "out_of_scope", 0.8),
              Parsed("val", "timer", "d", "nlu_fallback", 0.5, "inform", 0.4)]
    summary = report(parsed, top=5)
    assert summary["total"] == 4 and summary["intake_like"] == 2
    assert summary["classifier_intake_like"] == 3
    assert summary["by_split"] == {"val": 2, "oos_val": 0}
    assert "start_intake + inform: 2 / 4" in capsys.readouterr().out
