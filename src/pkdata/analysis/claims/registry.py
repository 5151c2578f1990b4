"""The claims of the report, in its order: id, our paraphrase, metric, unit, and the rule that checks each.

>>> list(CLAIMS)[:2], CLAIMS["second_largest_funder"].frequency
(['personnel_about_2500', 'more_than_other_p5'], 'year')
"""

from __future__ import annotations

from pkdata.analysis.claims import rules
from pkdata.analysis.claims.model import Claim

#: The claims, in the report's order.
CLAIMS: dict[str, Claim] = {
    c.claim_id: c
    for c in (
        Claim(
            "personnel_about_2500",
            "China's uniformed personnel is roughly 2,500 (within 10%).",
            "China's uniformed personnel: median of the last 12 monthly reports",
            "personnel",
            "month",
            rules.personnel_about_2500,
        ),
        Claim(
            "more_than_other_p5",
            "China deploys more uniformed personnel than each other permanent member.",
            "ratio of China's median uniformed personnel to the next permanent member's",
            "ratio",
            "month",
            rules.more_than_other_p5,
        ),
        Claim(
            "in_mali_and_south_sudan",
            "China has personnel in MINUSMA (Mali) and UNMISS (South Sudan).",
            "how many of MINUSMA and UNMISS have Chinese personnel (median over the last 12 reports with mission "
            "detail)",
            "missions",
            "month",
            rules.in_mali_and_south_sudan,
            out_of=len(rules.MISSIONS),
        ),
        Claim(
            "second_largest_funder",
            "China has the second-largest share of assessed peacekeeping funding, after the United States.",
            "China's rate on the peacekeeping scale (%) in the calendar year (billed share in the evidence)",
            "percent",
            "year",
            rules.second_largest_funder,
            periods="peacekeeping",
        ),
        Claim(
            "recent_fatalities",
            "Chinese peacekeepers were killed in the three years before the date.",
            "Chinese uniformed peacekeepers killed by malicious acts in the three years up to the date",
            "deaths",
            "month",
            rules.recent_fatalities,
            periods="fatalities",
        ),
        Claim(
            "rising_budget_share",
            "China's share of the UN regular budget is higher than in the previous scale period.",
            "China's regular-budget scale rate (%) in the scale period of the date",
            "percent",
            "year",
            rules.rising_budget_share,
            periods="regular",
        ),
        Claim(
            "top_contributor_rank",
            "China ranks among the top 20 contributors of uniformed personnel.",
            "China's rank among all contributors by median uniformed personnel over the last 12 reports",
            "rank",
            "month",
            rules.top_contributor_rank,
        ),
        Claim(
            "active_combat_zones",
            "Mali (MINUSMA) and South Sudan (UNMISS) are active combat zones: peacekeepers "
            "there are killed by hostile acts at least as often as in UN peacekeeping as a whole.",
            "how many of MINUSMA and UNMISS have a rate of uniformed peacekeepers killed by malicious acts (per 1,000 "
            "personnel-years, 3 years up to the date) at or above the pooled rate of all active operations",
            "missions",
            "month",
            rules.active_combat_zones,
            out_of=len(rules.COMBAT_ZONES),
        ),
    )
}
