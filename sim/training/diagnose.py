"""Compatibility shim: the diagnosis lives in :mod:`sim.training.diagnosis` (reader, signatures, matching, answer;
:mod:`~sim.training.diagnosis.states` ranks pasted ``show`` tables by simulation)."""

from __future__ import annotations

from .diagnosis.answer import Cause, Diagnosis, Group, PeerDiagnosis, diagnose
from .diagnosis.states import NO_FAULT, PRIORS, SAMPLE_TIMES, Lab, labs, signature, what_would_i_see

__all__ = ["Cause", "Diagnosis", "Group", "Lab", "NO_FAULT", "PRIORS", "PeerDiagnosis", "SAMPLE_TIMES", "diagnose",
           "labs", "signature", "what_would_i_see"]
