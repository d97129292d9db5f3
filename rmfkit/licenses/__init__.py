"""Licenses and openness: license register, open source / open weights / open access classification,
Model Openness Framework class, OSI Open Source AI Definition check, policy findings against the intended use,
license drift, the openness decision helper and the due-diligence scorecard.

License facts are package data with a source for every fact (``data/PROVENANCE.md``); unknown or uncertain
facts give ``needs_review``, never a guess. Not legal advice.

>>> from rmfkit.models.system import Component, IntendedUse, SystemProfile
>>> system = SystemProfile(id="s", name="S", owner="o", purpose="p", deployment_pattern="hybrid",
...     intended_use=IntendedUse(commercial_use=True, serves_third_parties=True),
...     components=[Component(id="api", name="Hosted API", layer="service", license="other",
...                           license_name="Provider terms")])
>>> row = analyze(system).register_rows()[0]
>>> row["openness"], row["needs_review"]
('open_access', True)
"""
from rmfkit.licenses.decision import Recommendation, needs, recommend_openness
from rmfkit.licenses.diligence import scorecard
from rmfkit.licenses.drift import LicenseChange, license_drift
from rmfkit.licenses.facts import LicenseFacts, ResolvedLicense, hf_ids, model_licenses, resolve
from rmfkit.licenses.openness import OPENNESS, Classification, MofResult, OsaidResult, classify, mof_class, osaid_check
from rmfkit.licenses.policy import SEVERITIES, Finding, check
from rmfkit.licenses.report import ComponentLicense, LicenseReport, analyze

__all__ = ["analyze", "license_drift", "recommend_openness", "needs", "resolve", "classify", "check", "mof_class",
           "osaid_check", "scorecard", "hf_ids", "model_licenses", "LicenseReport", "ComponentLicense",
           "Classification", "Finding", "LicenseChange", "LicenseFacts", "ResolvedLicense", "MofResult",
           "OsaidResult", "Recommendation", "OPENNESS", "SEVERITIES"]
