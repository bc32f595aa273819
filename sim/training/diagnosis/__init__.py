"""Diagnosis of what engineers paste (show output, syslog, debug of either platform): read it
(:mod:`.reader`), match it against what the simulator makes each catalogue fault print (:mod:`.signatures`,
:mod:`.matching`) and answer in the user's terms (:mod:`.answer`). :mod:`.states` ranks ``show`` tables alone."""
