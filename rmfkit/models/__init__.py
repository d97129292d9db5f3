"""Pydantic models of every workspace file, one module per record kind; no I/O here."""
from rmfkit.models.base import Record, Strict
from rmfkit.models.dpia import Dpia, DpiaRisk
from rmfkit.models.evidence import EvidenceRecord
from rmfkit.models.mapping import MappingFile, SubcategoryAssessment
from rmfkit.models.operations import ArtifactExpectation, ChecklistItem, Operations, PilotStep
from rmfkit.models.risk import Risk
from rmfkit.models.settings import WorkspaceSettings
from rmfkit.models.system import (Component, DataFlow, DiligenceCheck, DueDiligence, IntendedUse, ReleaseComponent,
                                  SystemProfile)
from rmfkit.models.thresholds import Threshold, ThresholdsFile

__all__ = ["Record", "Strict", "EvidenceRecord", "MappingFile", "SubcategoryAssessment", "Risk", "Dpia", "DpiaRisk",
           "WorkspaceSettings", "Component", "DataFlow", "IntendedUse", "SystemProfile",
           "DiligenceCheck", "DueDiligence", "ReleaseComponent",
           "Threshold", "ThresholdsFile", "ArtifactExpectation", "ChecklistItem", "Operations", "PilotStep"]
