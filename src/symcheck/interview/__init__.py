"""The service layer used by the CLI, the HTTP API and the web app: an interview over a pack.

- `session`: the Interview (answers in, results out; everything recomputed from the answers);
- `policy`: which question comes next and when to stop;
- `triage`: how urgently to act, and why;
- `explain`: the differential with the answers for and against each cause;
- `recommend`: whom to see, tests and self-care, following the triage level;
- `wording`: what a person reads (their own or someone else's questions);
- `facts`: answers as the engine and the rules see them.
The safety invariants they keep are stated in `symcheck.safety`.
"""

from symcheck.interview.session import MAX_AGE, SEXES, Interview, assess

__all__ = ["MAX_AGE", "SEXES", "Interview", "assess"]
