"""The audit packet of the example workspace: PDF contents, attachments, bundle, manifest,
escaping of hostile strings, the URL fetcher, determinism. The packet is built once per module."""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import socket
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, FIXTURES

EPOCH = 1790000000  # 2026-09-21T14:13:20Z
GENERATED = "2026-09-21T14:13:20Z"
HOSTILE_TITLE = "<script>alert(1)</script><img src=http://127.0.0.1:{port}/x>"


def _listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    return sock


def _received_connection(sock: socket.socket) -> bool:
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return False
    conn.close()
    return True


def _pinned_env():
    saved = {k: os.environ.get(k) for k in ("SOURCE_DATE_EPOCH", "RMFKIT_TODAY")}
    os.environ["SOURCE_DATE_EPOCH"] = str(EPOCH)
    os.environ["RMFKIT_TODAY"] = "2026-11-29"
    return saved


def _restore(saved: dict) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _copy_example(target: Path, port: int) -> Path:
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("build", ".rmfkit.lock", ".rmfkit-index.json"))
    hostile = (FIXTURES / "packet" / "hostile-risk.yaml").read_text("utf-8").replace("PORT", str(port))
    (target / "risks" / "R-0999.yaml").write_text(hostile, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(workspace, packet folder, key folder, listener) — the example plus a hostile risk, signed."""
    from rmfkit.packet import build_packet
    from rmfkit.seal import generate_keys
    from rmfkit.workspace import Workspace

    base = tmp_path_factory.mktemp("packet")
    listener = _listener()
    port = listener.getsockname()[1]
    ws = Workspace.open(_copy_example(base / "ws", port)).require_valid()
    keys = base / "keys"
    generate_keys(keys)
    saved = _pinned_env()
    try:
        result = build_packet(ws, base / "out", sign_key=keys / "packet-signing-key.pem")
    finally:
        _restore(saved)
    yield ws, result, keys, listener, port
    listener.close()


@pytest.fixture(scope="module")
def pdf_text(built) -> str:
    from pypdf import PdfReader

    reader = PdfReader(built[1].out / "packet.pdf")
    return joined_ids("\n".join(page.extract_text() for page in reader.pages))


def joined_ids(text: str) -> str:
    """PDF text with identifiers and hyphenated words joined again where the layout may break them: at a
    break opportunity (U+200B, inserted after - . / _ in identifiers) or at the end of a line after a hyphen
    ("help-" / "center"); the hyphen itself is part of the text either way."""
    return re.sub("\u200b\\s*|(?<=\\w-)\n(?=\\w)", "", text)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_packet_folder_holds_every_output(built):
    out = built[1].out
    for name in ("packet.pdf", "packet.html", "bundle.json", "bundle-manifest.json", "bundle.zip", "manifest.json",
                 "manifest.json.sig", "oscal-assessment-results.json", "dpia-cnil.json", "charts/coverage.svg",
                 "charts/heat_map.svg"):
        assert (out / name).is_file(), name
    assert built[1].signed and built[1].pdf_variant == "pdf/a-3b"


def test_pdf_lists_all_72_subcategories(pdf_text):
    from rmfkit.catalog import load_catalog

    flat = _flat(pdf_text)
    missing = [s.id for s in load_catalog().subcategories if s.id not in flat]
    assert missing == []
    assert "5. RMF mapping: all 72 subcategories" in flat


def test_pdf_has_license_register_rows(built, pdf_text):
    from rmfkit.licenses import analyze

    ws = built[0]
    section = _section(pdf_text, "4. License register and openness", "5. RMF mapping")
    rows = analyze(ws.system, ws.evidence).register_rows()
    assert len(rows) == len(ws.system.components) == 11
    squashed = re.sub(r"\s+", "", section)
    for row in rows:
        assert re.sub(r"\s+", "", row["name"]) in squashed, row["name"]
    assert "Llama 3.1 Community License Agreement" in section
    assert "Model Openness Framework" in section


def test_pdf_has_dpia_section_with_screening_and_risks(built, pdf_text):
    from rmfkit.dpia import load

    dpia = load(built[0])
    section = _section(pdf_text, "9. DPIA inputs", "10. Operating the model")
    assert dpia.dpia_id in section
    assert "Screening (Art. 35(1) and (3), EDPB WP248 criteria)" in section
    assert "Decision: required" in section
    for risk in dpia.risks:
        assert risk.id in section


def test_pdf_evidence_index_shows_every_short_hash(built, pdf_text):
    section = _section(pdf_text, "11. Evidence index", "12. Gaps and action plan")
    assert built[0].evidence
    for record in built[0].evidence.values():
        assert record.sha256[:12] in section, record.id


def test_pdf_pages_are_numbered_page_x_of_y(built):
    from pypdf import PdfReader

    reader = PdfReader(built[1].out / "packet.pdf")
    total = len(reader.pages)
    assert total > 20
    assert "Page 1 of %d" % total in reader.pages[0].extract_text()
    assert "Page %d of %d" % (total, total) in reader.pages[-1].extract_text()
    toc = _flat(reader.pages[1].extract_text())
    match = re.search(r"11\. Evidence index[ .]*(\d+)", toc)
    assert match, toc
    assert "11. Evidence index" in reader.pages[int(match.group(1)) - 1].extract_text()


def test_pdf_attachments_equal_the_bundle_files(built):
    from pypdf import PdfReader

    out = built[1].out
    attachments = PdfReader(out / "packet.pdf").attachments
    assert sorted(attachments) == ["bundle-manifest.json", "bundle.json"]
    for name, payloads in attachments.items():
        assert payloads == [(out / name).read_bytes()]


def test_bundle_json_holds_records_analysis_versions_and_time(built):
    from rmfkit.analysis import ANALYSIS_VERSION
    from rmfkit.bundle import BUNDLE_FORMAT, read_bundle
    from rmfkit.records import schema_versions

    ws, result = built[0], built[1]
    bundle = json.loads((result.out / "bundle.json").read_text("utf-8"))
    assert bundle["format"] == BUNDLE_FORMAT == "rmfkit-bundle/2"
    assert bundle["generated_at"] == GENERATED
    assert bundle["schema_versions"] == schema_versions()
    assert bundle["catalog_version"] == "nist-ai-rmf-1.0+playbook;nist-ai-600-1"
    assert set(bundle["records"]) == set(ws.records)
    assert bundle["records"]["risks/R-0999.yaml"]["title"].startswith("<script>")
    # format 2 stores records and the analysis, never the packet's view dicts
    assert "results" not in bundle
    assert bundle["analysis_version"] == bundle["analysis"]["analysis_version"] == ANALYSIS_VERSION
    assert set(bundle["analysis"]) >= {"as_of", "mapping", "evidence", "measurement", "licenses", "risks", "dpia",
                                       "operations", "actions", "findings"}
    assert bundle["analysis"]["as_of"] == "2026-11-29"
    assert len(bundle["analysis"]["mapping"]["rows"]) == 72
    state = read_bundle(bundle, "bundle.json")
    assert state.analysis.mapping["totals"] == bundle["analysis"]["mapping"]["totals"]
    assert "R-0999" in {row["id"] for row in state.analysis.risks["rows"]}
    from rmfkit.seal import key_fingerprint, load_private_key

    key = load_private_key(built[2] / "packet-signing-key.pem")
    assert bundle["signer_key_sha256"] == key_fingerprint(key.public_key())


def test_manifest_lists_every_file_with_its_hash_and_size(built):
    from rmfkit.hashing import sha256_file

    out = built[1].out
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert set(listed) == on_disk - {"manifest.json", "manifest.json.sig", "bundle.zip"}
    for name, entry in listed.items():
        assert entry["sha256"] == sha256_file(out / name) and entry["size"] == (out / name).stat().st_size
    for record in built[0].evidence.values():
        assert listed[f"evidence/{record.id}/{record.file}"]["sha256"] == record.sha256


def test_signature_verifies_with_openssl(built):
    import subprocess

    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    out = built[1].out
    run = subprocess.run([openssl, "pkeyutl", "-verify", "-pubin", "-inkey",
                          str(built[2] / "packet-signing-key.pub.pem"), "-rawin", "-in", str(out / "manifest.json"),
                          "-sigfile", str(out / "manifest.json.sig")], capture_output=True, text=True)
    if "rawin" in run.stderr and run.returncode != 0 and "Unknown" in run.stderr:
        pytest.skip("this openssl has no -rawin")
    assert run.returncode == 0, run.stderr
    assert "Signature Verified Successfully" in run.stdout


def test_hostile_strings_are_literal_text_and_nothing_is_fetched(built, pdf_text):
    out, listener, port = built[1].out, built[3], built[4]
    title = HOSTILE_TITLE.format(port=port)
    assert re.sub(r"\s+", "", title) in re.sub(r"\s+", "", pdf_text)
    html = (out / "packet.html").read_text("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=http://127.0.0.1:%d/x&gt;" % port in html
    assert "<script" not in html and "<iframe" not in html and "<img src=http" not in html
    assert not _received_connection(listener)
    assert built[1].blocked_urls == []


OUTSIDE_READS = [
    '#read("{secret}")',                     # an absolute path is taken inside the render root
    '#read("../secret.txt")',                # relative paths cannot climb out of it
    '#read("../../../../../../etc/passwd")',
    '#image("{secret}")',
    '#image("http://127.0.0.1:{port}/x.png")',  # Typst has no URL loader: a URL is a (missing) file name
    '#read("file://{secret}")',
    '#import "@preview/cetz:0.3.0": *',      # packages would be downloaded: refused before compiling
]


@pytest.mark.parametrize("attempt", OUTSIDE_READS)
def test_templates_cannot_read_outside_the_render_root_or_fetch(tmp_path, attempt):
    """The threat WeasyPrint's URL fetcher guarded against, for Typst: a workspace template (or a view)
    cannot make the renderer read a file outside its temporary render root or open a network connection."""
    from rmfkit.errors import InputFileError
    from rmfkit.render.pdf import render_pdf
    from rmfkit.analysis import of_workspace
    from rmfkit.views.packet import packet_view
    from rmfkit.workspace import Workspace

    listener = _listener()
    port = listener.getsockname()[1]
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT", encoding="utf-8")
    ws = Workspace.create(tmp_path / "ws", system_id="w", name=f"http://127.0.0.1:{port}/name.png", owner="o")
    view = packet_view(ws.current(), of_workspace(ws))
    (ws.root / "templates").mkdir()
    (ws.root / "templates" / "cover.typ").write_text(
        "#let cover(..args) = [" + attempt.format(secret=secret, port=port) + "]\n", encoding="utf-8")
    try:
        with pytest.raises(InputFileError) as caught:
            render_pdf("packet.typ", view, images={}, attachments={}, template_dirs=[ws.root / "templates"])
        assert str(caught.value).startswith(str(ws.root / "templates" / "cover.typ"))
        assert "TOP-SECRET" not in str(caught.value)
        assert not _received_connection(listener)
    finally:
        listener.close()


def test_a_symlinked_template_is_ignored_and_view_text_is_never_fetched(tmp_path):
    from pypdf import PdfReader
    from rmfkit.render.pdf import render_pdf
    from rmfkit.analysis import of_workspace
    from rmfkit.views.packet import packet_view
    from rmfkit.workspace import Workspace

    listener = _listener()
    port = listener.getsockname()[1]
    elsewhere = tmp_path / "elsewhere.typ"
    elsewhere.write_text("#let cover(..args) = [Cover from outside the workspace]\n", encoding="utf-8")
    url = f"http://127.0.0.1:{port}/logo.png"
    ws = Workspace.create(tmp_path / "ws", system_id="w", name=url, owner='#read("/etc/passwd")')
    (ws.root / "templates").mkdir()
    (ws.root / "templates" / "cover.typ").symlink_to(elsewhere)
    view = packet_view(ws.current(), of_workspace(ws))
    try:
        pdf = render_pdf("packet.typ", view, images={}, attachments={}, template_dirs=[ws.root / "templates"])
        text = joined_ids("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
        assert "Cover from outside the workspace" not in text
        assert url in _flat(text) and '#read("/etc/passwd")' in text and "root:" not in text
        assert not _received_connection(listener)
    finally:
        listener.close()


def test_same_workspace_gives_byte_identical_packet(built, tmp_path):
    from rmfkit.packet import build_packet

    saved = _pinned_env()
    try:
        again = build_packet(built[0], tmp_path / "again", sign_key=built[2] / "packet-signing-key.pem")
    finally:
        _restore(saved)
    first = built[1].out
    for name in ("bundle.json", "manifest.json", "manifest.json.sig", "charts/coverage.svg", "charts/profile.svg",
                 "charts/heat_map.svg", "oscal-assessment-results.json", "packet.html", "packet.pdf", "bundle.zip"):
        assert (first / name).read_bytes() == (again.out / name).read_bytes(), name


def test_packet_refuses_a_non_empty_folder(built, run_cli):
    code, _, err = run_cli("packet", "-w", built[0].root, "--out", built[1].out)
    assert code == 2 and "is not empty" in err


def test_sections_without_data_say_so(tmp_path):
    from rmfkit.render.html import render_packet_html
    from rmfkit.analysis import of_workspace
    from rmfkit.views.packet import packet_view
    from rmfkit.workspace import Workspace

    ws = Workspace.create(tmp_path / "empty", system_id="empty", name="Empty", owner="owner")
    view = packet_view(ws.current(), of_workspace(ws))
    html = render_packet_html(view, workspace_root=ws.root)
    text = _flat(re.sub(r"<[^>]+>", " ", html))
    for sentence in ("No DPIA recorded yet", "No risks recorded yet", "No evidence recorded yet",
                     "No measurement results recorded yet", "No operating plan recorded yet",
                     "No components recorded yet in system.yaml, so there is no license register"):
        assert sentence in text, sentence
    assert all(f"{i}. " in text for i in range(1, 12))


def test_workspace_template_folder_overrides_a_partial(tmp_path):
    from rmfkit.render.html import render_packet_html
    from rmfkit.analysis import of_workspace
    from rmfkit.views.packet import packet_view
    from rmfkit.workspace import Workspace

    ws = Workspace.create(tmp_path / "branded", system_id="branded", name="Branded", owner="owner")
    (ws.root / "templates" / "partials").mkdir(parents=True)
    (ws.root / "templates" / "partials" / "_signoff.html.j2").write_text(
        '<section id="s-signoff"><h1>11. Approval</h1><p>{{ view.cover.system_name }} board</p></section>',
        encoding="utf-8")
    html = render_packet_html(packet_view(ws.current(), of_workspace(ws)), workspace_root=ws.root)
    assert "<h1>11. Approval</h1><p>Branded board</p>" in html
    assert "3. System profile and data flows" in html


def test_logo_outside_the_workspace_is_refused(tmp_path):
    """A validation problem (exit 3): the packet never reads a file outside the workspace."""
    from rmfkit.errors import ValidationFailed
    from rmfkit.packet import build_packet
    from rmfkit.workspace import Workspace

    ws = Workspace.create(tmp_path / "w", system_id="w", name="W", owner="o")
    text = (ws.root / "rmfkit.yaml").read_text("utf-8")
    (ws.root / "rmfkit.yaml").write_text(text + "branding:\n  logo: ../logo.png\n", encoding="utf-8")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValidationFailed, match="leaves the workspace"):
        build_packet(Workspace.open(ws.root), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def _section(text: str, start: str, end: str) -> str:
    """The body of a section: from its heading (not its line in the contents, where dot leaders follow the
    rest of the title, as in "5. RMF mapping: all 72 subcategories . . . 8")."""
    flat = _flat(text)
    begin = next(m.start() for m in re.finditer(re.escape(start), flat)
                 if not re.match(r"[^.]{0,80}?( \.){3}", flat[m.end():]))
    return flat[begin:flat.index(end, begin)]


MET_WITHOUT_EVIDENCE = ["GOVERN 1.1", "GOVERN 2.1", "MAP 1.1", "MAP 2.1", "MANAGE 2.4"]


def test_mapping_shades_and_labels_claims_met_without_evidence(built, pdf_text):
    html = (built[1].out / "packet.html").read_text("utf-8")
    mapping_html = html[html.index('id="s-mapping"'):html.index('id="s-measurement"')]
    shaded = re.findall(r'<tr class="watch">\s*<td><b>([^<]+)</b>', mapping_html)
    assert shaded == MET_WITHOUT_EVIDENCE
    assert re.findall(r'<tr class="gap">\s*<td><b>(MEASURE 2\.[367])</b>', mapping_html) == [
        "MEASURE 2.3", "MEASURE 2.6", "MEASURE 2.7"]
    section = _section(pdf_text, "5. RMF mapping", "6. NIST AI 600-1 coverage")
    assert ("Rows shaded amber are marked met but cite no evidence at all (“met without evidence”)" in section)
    assert section.count("met without evidence") == len(MET_WITHOUT_EVIDENCE) + 1  # each row, and the legend


def test_action_plan_gathers_every_gap_with_an_action_and_a_target(built, pdf_text):
    section = _section(pdf_text, "12. Gaps and action plan", "13. Sign-off")
    squashed = re.sub(r"\s+", "", section)
    assert "Every gap named in this packet, in one place: 58 items, 1 overdue" in section
    for title in ("RMF subcategories (24)", "Measurements (8)", "Operating the model (10)", "Licenses (4)",
                  "Open risks (12)"):
        assert title in section, title
    for sub in MET_WITHOUT_EVIDENCE:
        assert f"{sub} met without evidence Marked met, cites no evidence." in section, sub
    assert ("GOVERN 4.2 target gap Not met: No documented impact assessment of the model update process yet. "
            "Put the practice in place, link evidence, record it as met Met") in section
    assert "MAP 3.4 partially met without evidence Partially met: Agent training" in section
    assert "Agree a target status and date for this subcategory not set" in section
    assert "MEASURE 2.6 unsupported claim" in section
    # failing and never-measured thresholds, with the threshold as the target
    assert "answer-accuracy-integrations" in squashed and "0.758vs≥0.8;shortby0.042" in squashed
    assert "p95-latency threshold · MEASURE 2.3 p95 time to first draft: not measured" in section
    assert "Run an evaluation that reports p95_latency_ms and import its result as evidence ≤ 3000 ms" in section
    assert "language-accuracy-gap" in squashed and "≤0.05MLlead(R.Haddad)2027-03-31" in squashed
    # operations: overdue drift check, unsupported adversarial suite, artefacts never verified
    assert "observability.drift" in squashed and "Finish it, or re-plan it with a new date Done" in section
    assert "2026-10-31 overdue" in section
    assert "evaluation.adversarial" in squashed
    assert "Runrmfkitopsverify-artifactllama-3.1-8b-instructPATHonthedeployedfilesDeployedfilesmatch" in squashed
    # license findings to act on: obligations and items needing legal review
    assert section.count("owner of MAP 4.1") == 4 and section.count("Reviewed by counsel") == 2
    assert "Obligation met, with evidence" in section and "hosted-llm-api" in squashed
    # open risks: treatment and measures as the action, residual level as the target
    assert "Mitigate: Index only public help-center articles" in section
    assert "Residual medium (score 8)" in section
    # the Action column holds actions, not status notes
    assert "Complete what the gap names, link evidence, record it as met" in section


def test_dpia_section_shows_dpo_advice_views_sign_off_and_completeness(built, pdf_text):
    section = _section(pdf_text, "9. DPIA inputs", "10. Operating the model")
    assert "Advice of the data protection officer (Art. 35(2))" in section
    assert "Given by, on E. Meyer, 2026-11-10 Recommendation proceed with conditions" in section
    assert "Followed by the controller yes" in section
    assert "Views of data subjects or their representatives (Art. 35(9))" in section
    assert "Sought yes, from Customer advisory board" in section
    assert "Controller's response Added a per-customer setting to disable the hosted fallback" in section
    assert "Also consulted: Security lead (K. Osei); US LLM provider (example)" in section
    assert ("Measures approved by A. Novak, Head of Customer Experience Residual risks approved by A. Novak, Head of "
            "Customer Experience (chair of the AI risk committee) Date 2026-11-16") in section
    assert "M-03 Log retention reduced from 180 to 90 days data planned DPO (E. Meyer), due 2026-12-31" in section
    assert "What a DPO would still ask Nothing outstanding" in section


def test_executive_summary_states_totals_targets_thresholds_licenses_and_operations(pdf_text):
    section = _section(pdf_text, "1. Executive summary", "2. Scope, method and assurance")
    assert ("Coverage. Of the 72 AI RMF subcategories, 27 are assessed: 6 met (5 of them citing no evidence), "
            "13 partially met, 3 claimed but unsupported by evidence, 3 not met and 2 not applicable; "
            "45 are not yet assessed.") in section
    assert "All functions 6 13 3 3 2 45 72" in section
    assert "Targets. 14 subcategories are below the target status set for them" in section
    assert ("Of 10 acceptance thresholds, 1 pass, 1 passes only within the declared tolerance (Prompt-injection "
            "probes resisted (garak promptinject): 0.94 vs ≥ 0.95; short by 0.01, within tolerance 0.02), 2 fail "
            "(Answer accuracy, integrations tickets (weakest product area): 0.758 vs ≥ 0.8; short by 0.042; DAN "
            "jailbreak probes resisted (garak dan): 0.8 vs ≥ 0.95; short by 0.15; worst of 2 detectors "
            "(mitigation.MitigationBypass))") in section
    assert ("2 obligations to meet and keep evidence of (llama-3.1-8b-instruct: use policy, attribution); "
            "2 items need legal review (llama-3.1-8b-instruct: passthrough; hosted-llm-api: needs review)") in section
    assert ("1 overdue (Drift checks on inputs and answer quality in production, due 2026-10-31, owner ML lead "
            "(R. Haddad))") in section
    assert "2 model artefacts never verified against their recorded checksums" in section
    assert "The DPIA (DPIA-support-assistant, version 1.3) is approved" in section
    assert "DPIA DPIA-" not in section and ">=" not in section and "0.04167" not in section
    assert "Section 12 lists all 58 gaps in one place" in section


def _signoff_text(html: str) -> str:
    section = html.split('id="s-signoff"', 1)[1].split("</section>", 1)[0]
    return _flat(re.sub(r"<[^>]+>", " ", section)).replace("&#39;", "'")


def test_signoff_page_names_bundle_hash_key_fingerprint_and_the_openssl_commands(built, pdf_text):
    import hashlib
    import subprocess

    from rmfkit.seal import key_fingerprint, load_public_key

    out, keys = built[1].out, built[2]
    bundle_sha = hashlib.sha256((out / "bundle.json").read_bytes()).hexdigest()
    fingerprint = key_fingerprint(load_public_key(keys / "packet-signing-key.pub.pem"))
    text = _signoff_text((out / "packet.html").read_text("utf-8"))
    assert f"bundle.json SHA-256 {bundle_sha} Signing key SHA-256 {fingerprint} (SHA-256 of the raw 32-byte " \
           "Ed25519 public key that signed manifest.json)" in text
    commands = ["openssl pkeyutl -verify -pubin -inkey packet-signing-key.pub.pem -rawin -in manifest.json "
                "-sigfile manifest.json.sig",
                "openssl pkey -pubin -in packet-signing-key.pub.pem -outform DER | tail -c 32 | sha256sum",
                "sha256sum bundle.json", "rmfkit verify PACKET_DIR --key packet-signing-key.pub.pem"]
    assert all(command in text for command in commands)
    assert "README" not in text and "as described in the README" not in pdf_text
    flat_pdf = "".join(pdf_text.split())  # the PDF breaks long hashes and commands across lines
    assert bundle_sha in flat_pdf and fingerprint in flat_pdf and "".join(commands[0].split()) in flat_pdf

    if shutil.which("openssl") is None or shutil.which("sha256sum") is None:
        pytest.skip("openssl or sha256sum is not installed")
    shutil.copy(keys / "packet-signing-key.pub.pem", out / "packet-signing-key.pub.pem")
    try:
        results = [subprocess.run(command, shell=True, cwd=out, capture_output=True, text=True)
                   for command in commands[:3]]
    finally:
        (out / "packet-signing-key.pub.pem").unlink()
    assert results[0].stdout.strip() == "Signature Verified Successfully", results[0].stderr
    assert results[1].stdout.split()[0] == fingerprint
    assert results[2].stdout.split()[0] == bundle_sha


def test_signoff_of_an_unsigned_packet_says_so(tmp_path):
    from rmfkit.render.html import render_packet_html
    from rmfkit.analysis import of_workspace
    from rmfkit.views.packet import packet_view, seal_signoff
    from rmfkit.workspace import Workspace

    ws = Workspace.create(tmp_path / "unsigned", system_id="unsigned", name="Unsigned", owner="owner")
    view = packet_view(ws.current(), of_workspace(ws))
    assert "computed when the packet is sealed" in _signoff_text(render_packet_html(view, workspace_root=ws.root))
    view["signoff"] = seal_signoff(view["signoff"], bundle_sha256="0" * 64, signer_key_sha256=None)
    text = _signoff_text(render_packet_html(view, workspace_root=ws.root))
    assert f"bundle.json SHA-256 {'0' * 64} Signing key SHA-256 Not signed: this packet has no manifest.json.sig, " \
           "so nothing shows who sealed it" in text


def test_license_register_has_evidence_and_obligation_columns(built, pdf_text):
    from rmfkit.licenses import analyze

    ws = built[0]
    section = _section(pdf_text, "4. License register and openness", "5. RMF mapping")
    squashed = re.sub(r"\s+", "", section)
    rows = analyze(ws.system, ws.evidence).register_rows()
    register = squashed[:squashed.index("Licenseobligationspercomponent")]
    for row in rows:
        for evidence_id in row["evidence"]:
            assert evidence_id in register, evidence_id
    start = squashed.index("Licenseobligationspercomponent")
    obligations = squashed[start:squashed.index("ModelOpennessFramework:", start)]
    with_obligations = [r for r in rows if r["obligations"]]
    assert len(with_obligations) == 7
    for row in with_obligations:
        for text in row["obligations"]:
            assert re.sub(r"\s+", "", text) in obligations, text
    assert "show \"Built with Llama\" on a related website, user interface, about page or product documentation" in section
    assert ("No obligations recorded in rmfkit's license data for: Support RAG service (in-house); Hosted long-context "
            "LLM API (US provider)") in section
    assert "2 components need legal review" in section
    assert "licence" not in section.replace("Licence", "")  # the common noun is spelled "license" throughout


def test_no_raw_backticks_and_one_spelling_of_license(built, pdf_text):
    assert "`" not in pdf_text
    section = _section(pdf_text, "10. Operating the model", "11. Evidence index")
    assert "from the next deployment on, rmfkit ops verify-artifact records each check as evidence" in section
    html = (built[1].out / "packet.html").read_text("utf-8")
    assert '<span class="mono">rmfkit ops verify-artifact</span>' in html
    assert re.findall(r"\blicences?\b", pdf_text) == []


# ---------------------------------------------------------------- the PDF and the HTML state the same facts

STATUS_LABELS = ("Partially met", "Not met", "Not applicable", "Not assessed", "Met")


def _html_text(fragment: str) -> str:
    import html as html_lib

    return _flat(html_lib.unescape(re.sub(r"<[^>]+>", " ", fragment.replace("&shy;", ""))))


def _html_section(document: str, section_id: str) -> str:
    start = document.index(f'id="{section_id}"')
    return document[start:document.index("</section>", start)]


def _page_frames_removed(text: str) -> str:
    """Section text without the running header and footer lines of each page (title, label, page x of y)."""
    return re.sub(r"AI RMF audit packet — .*?\n|.*Page \d+ of \d+\n?", "", text)


def test_pdf_and_html_give_every_subcategory_the_same_status(built, pdf_text):
    document = (built[1].out / "packet.html").read_text("utf-8")
    rows = re.findall(r'<td><b>([^<]+)</b><span class="statement">([^<]*)</span></td>\s*'
                      r'<td><span class="status status-[a-z_]+">([^<]+)</span>', _html_section(document, "s-mapping"))
    assert len(rows) == 72 and {label for _, _, label in rows} <= set(STATUS_LABELS)
    section = _section(pdf_text, "5. RMF mapping", "6. NIST AI 600-1 coverage")
    found = []
    for (sub_id, statement, label), following in zip(rows, [*rows[1:], None]):
        start = section.index(sub_id + " ")
        end = section.index(following[0] + " ", start) if following else len(section)
        row = section[start:end]
        tail = " ".join(_html_text(statement).split()[-3:])
        after = row[row.index(tail) + len(tail):]
        match = re.match(r"\s*(" + "|".join(STATUS_LABELS) + r")\b", after)
        found.append((sub_id, match.group(1) if match else after[:40]))
    assert found == [(sub_id, label) for sub_id, _, label in rows]


def test_pdf_and_html_summary_pages_state_the_same_counts(built):
    from pypdf import PdfReader

    document = (built[1].out / "packet.html").read_text("utf-8")
    summary_html = _html_section(document, "s-summary")
    raw = joined_ids("\n".join(page.extract_text() for page in PdfReader(built[1].out / "packet.pdf").pages))
    summary_pdf = _section(_page_frames_removed(raw), "1. Executive summary", "2. Scope, method and assurance")
    sentences = [_html_text(li) for li in re.findall(r'<li class="tone-[^"]*">(.*?)</li>', summary_html, re.S)]
    assert len(sentences) >= 10
    for sentence in sentences:
        assert sentence in summary_pdf, sentence
    table = [_html_text(tr) for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", summary_html, re.S)]
    assert table[-1].startswith("All functions") and len(table) == 6  # header, four functions, total
    for row in table:
        assert row in summary_pdf, row
    numbers = lambda text: sorted(re.findall(r"\d+(?:\.\d+)?", text))  # noqa: E731
    assert numbers(summary_pdf) == numbers(_html_text(summary_html))


def test_signed_packet_says_where_the_public_key_comes_from(built, pdf_text):
    flat = _flat(pdf_text)
    source = "The public key is not part of this packet: obtain packet-signing-key.pub.pem from the organisation"
    assert flat.count(source) == 2  # "How to check this packet" and the sign-off page
    html = _html_text((built[1].out / "packet.html").read_text("utf-8"))
    assert html.count(source) == 2


def test_unsigned_packet_never_asks_the_reader_to_check_a_signature(tmp_path):
    from pypdf import PdfReader
    from rmfkit.render.html import render_packet_html
    from rmfkit.render.pdf import render_pdf
    from rmfkit.analysis import of_workspace
    from rmfkit.views.packet import packet_view, seal_signoff
    from rmfkit.workspace import Workspace

    ws = Workspace.create(tmp_path / "unsigned", system_id="unsigned", name="Unsigned", owner="owner")
    view = packet_view(ws.current(), of_workspace(ws))
    view["signoff"] = seal_signoff(view["signoff"], bundle_sha256="0" * 64, signer_key_sha256=None)
    pdf = render_pdf("packet.typ", view, images={}, attachments={}, template_dirs=[])
    texts = {"pdf": _flat(joined_ids("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))),
             "html": _html_text(render_packet_html(view, workspace_root=ws.root))}
    for name, text in texts.items():
        assert "This packet is not signed, so nothing in it shows who sealed it" in text, name
        assert "rmfkit verify PACKET_DIR to check every file against manifest.json" in text, name
        for phrase in ("check the signature", "manifest.json.sig is", "openssl pkeyutl", "--key", "public key is not"):
            assert phrase not in text, (name, phrase)
