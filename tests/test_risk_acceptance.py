"""Issue 15 item 3: named, signed risk acceptance — recorded by a person with a date, signed over the risk
record, checked by ``rmfkit.acceptance.acceptance_signatures`` (what ``rmfkit verify`` calls)."""
from __future__ import annotations

import datetime as dt

import yaml

from rmfkit.acceptance import acceptance_signatures
from rmfkit.analysis import of_workspace
from rmfkit.seal import generate_keys, key_fingerprint, load_public_key
from rmfkit.views.acceptances import acceptances
from rmfkit.workspace import open_workspace


def test_signed_acceptance_verifies_and_fails_after_the_file_is_altered(run_cli, example_ws, tmp_path):
    private, public = generate_keys(tmp_path / "keys")
    code, out, err = run_cli("risk", "accept", "R-0002", "--by", "J. Doe, Chief Risk Officer", "--on", "2026-11-20",
                             "--sign", private, "-w", example_ws)
    assert code == 0, err
    key = load_public_key(public)
    assert out.strip() == (f"R-0002: residual 6 (medium) accepted by J. Doe, Chief Risk Officer on 2026-11-20, "
                           f"signed with key {key_fingerprint(key)}")
    stored = yaml.safe_load((example_ws / "risks" / "R-0002.yaml").read_text())
    assert stored["accepted_by"] == "J. Doe, Chief Risk Officer" and stored["accepted_on"] == dt.date(2026, 11, 20)
    assert stored["acceptance_signature"]["residual_score"] == 6
    assert acceptance_signatures(open_workspace(example_ws).load(), [key]) == []

    rows = acceptances(of_workspace(open_workspace(example_ws), dt.date(2026, 12, 1)).risks)
    assert rows[0]["person"] == "J. Doe" and rows[0]["signature"].startswith("signed (key SHA-256")

    path = example_ws / "risks" / "R-0002.yaml"
    path.write_text(path.read_text().replace("residual_likelihood: 3", "residual_likelihood: 1"))
    failures = acceptance_signatures(open_workspace(example_ws).load(), [key])
    assert len(failures) == 1 and failures[0].startswith("risks/R-0002.yaml: altered after its acceptance was signed")
    assert acceptance_signatures(open_workspace(example_ws).load()) == failures  # the hash alone detects it


def test_a_signature_under_another_key_is_reported(run_cli, example_ws, tmp_path):
    private, _ = generate_keys(tmp_path / "signer")
    _, other = generate_keys(tmp_path / "other")
    assert run_cli("risk", "accept", "R-0002", "--by", "J. Doe, CRO", "--sign", private, "-w", example_ws)[0] == 0
    failures = acceptance_signatures(open_workspace(example_ws).load(), [load_public_key(other)])
    assert failures and "not among the keys given" in failures[0]


def test_acceptance_by_a_body_is_refused(run_cli, example_ws):
    code, _, err = run_cli("risk", "accept", "R-0002", "--by", "AI risk committee", "-w", example_ws)
    assert code == 2
    assert err.splitlines()[0].startswith("error: accepted_by: 'AI risk committee' names a body")


def test_rmfkit_verify_fails_on_a_packet_whose_accepted_risk_changed_after_signing(run_cli, example_ws, tmp_path):
    """The packet's bundle carries the signed acceptance; ``rmfkit verify`` checks it (exit 4 naming the risk)."""
    private, _ = generate_keys(tmp_path / "keys")
    code, _, err = run_cli("risk", "accept", "R-0002", "--by", "J. Doe, Chief Risk Officer", "--on", "2026-11-20",
                           "--sign", private, "-w", example_ws)
    assert code == 0, err
    code, _, err = run_cli("packet", "--out", tmp_path / "intact", "-w", example_ws)
    assert code == 0, err
    assert run_cli("verify", tmp_path / "intact")[0] == 0
    path = example_ws / "risks" / "R-0002.yaml"
    path.write_text(path.read_text().replace("residual_likelihood: 3", "residual_likelihood: 1"))
    code, _, err = run_cli("packet", "--out", tmp_path / "altered", "-w", example_ws)
    assert code == 0, err
    code, _, err = run_cli("verify", tmp_path / "altered")
    assert code == 4 and "risks/R-0002.yaml: altered after its acceptance was signed" in err
