"""The review loop's output passes `rasa data validate` next to the project's own data."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.i18n.build import GENERATED, build_domain_responses
from bot.staff.training_export import nlu_yaml, parse_annotated

ROOT = Path(__file__).resolve().parents[2]


def test_exported_examples_pass_rasa_data_validate(tmp_path):
    text = "our museum in Lyon has 2,000 photos"
    entities = parse_annotated("our [museum](organization_type) in [Lyon](city) has 2,000 photos", original=text,
                               entity_names=["organization_type", "city"])
    flagged = tmp_path / "flagged.yml"
    flagged.write_text(nlu_yaml([
        {"text": text, "correct_intent": "start_intake", "entities": entities},
        {"text": "is it sunny in Berlin today?", "correct_intent": "out_of_scope", "entities": []},
        {"text": "in the UK", "correct_intent": "inform",
         "entities": [{"start": 3, "end": 9, "entity": "country", "value": "GB"}]},
    ]))
    if not GENERATED.exists():
        build_domain_responses()
    result = subprocess.run(
        [sys.executable, "-m", "rasa", "data", "validate", "--fail-on-warnings", "--config", "config.yml",
         "--domain", "bot/domain", "--data", "data/nlu", str(flagged), "data/rules", "data/stories"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
