"""The seed report's claims, read from its claim file (:data:`~pkdata.analysis.claims.model.SEED`), in its order.

>>> list(CLAIMS)[:2], CLAIMS["second_largest_funder"].frequency
(['personnel_about_2500', 'more_than_other_p5'], 'year')
"""

from __future__ import annotations

from pkdata.analysis.claims.claimfile import load
from pkdata.analysis.claims.model import SEED, Claim

#: The seed report's claims, in the report's order.
CLAIMS: dict[str, Claim] = {c.claim_id: c for c in load(SEED).claims}
