"""The build's step graph: the declared steps (:class:`~pkdata.builder.context.Step`), their order and checks.

Every step declares what it reads and writes; this module orders them (a step runs after the writers of what
it reads), refuses a graph with a cycle, a table with two writers or a read no step writes, and renders the
graph for ``docs/architecture.md``.

>>> [s.name for s in order(declared())][:3]
['un_pdfs', 'history', 'merge']
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pkdata.builder.context import Step
from pkdata.core import atomic
from pkdata.core.errors import PkdataError


class GraphError(PkdataError):
    """The declared steps do not form a graph the pipeline can run (a cycle, two writers, a missing writer)."""


def declared() -> tuple[Step, ...]:
    """Every declared build step, in the order a full build lists them (imports the step modules).

    >>> len(declared()), declared()[0].run
    (10, 'pkdata.builder.steps.un_pdfs:step_un_pdfs')
    """
    from pkdata.builder.steps import codes, funding, history, missions, quality_flags, targets, un_pdfs

    return (
        un_pdfs.STEP,
        history.STEP,
        history.MERGE,
        missions.STEP,
        missions.CHECK,
        funding.STEP,
        quality_flags.STEP,
        quality_flags.PUBLISH,
        targets.STEP,
        codes.STEP,
    )


def by_run(run: str) -> Step | None:
    """The declared step whose function is ``run`` (``"module:function"``), or None.

    >>> by_run("pkdata.builder.steps.targets:step_targets").writes
    ('gender_targets',)
    """
    return next((s for s in declared() if s.run == run), None)


def intermediate() -> set[str]:
    """Names some declared step passes on and no build publishes.

    >>> sorted(intermediate())[:2]
    ['contributions_history', 'contributions_merged']
    """
    return {name for s in declared() for name in s.passes}


def writers(steps: Iterable[Step], given: Iterable[str] = ()) -> dict[str, str]:
    """Name -> the step that writes it; ``given`` are names written outside the graph (a function a test passes).

    >>> writers(declared())["contributions"]
    'contributions'
    >>> two = [Step("a", "m:a", writes=("t",)), Step("b", "m:b", writes=("t",))]
    >>> writers(two)
    Traceback (most recent call last):
    ...
    pkdata.builder.graph.GraphError: two build steps write 't': a and b
    """
    out = {name: "(a step passed as a function)" for name in given}
    for s in steps:
        for name in dict.fromkeys(s.outputs):
            if name in out:
                raise GraphError(f"two build steps write {name!r}: {out[name]} and {s.name}")
            out[name] = s.name
    return out


def select(listed: list[Step], given: Iterable[str] = ()) -> list[Step]:
    """The steps a build runs: the ``listed`` ones, the declared steps that join them (a merge, a check), less the
    joined ones whose required reads no step of the build writes; raises :class:`GraphError` when a listed step
    reads what no step of the build writes.

    >>> [s.name for s in select([by_run("pkdata.builder.steps.un_pdfs:step_un_pdfs")])]
    ['un_pdfs', 'merge', 'contributions']
    >>> select([by_run("pkdata.builder.steps.quality_flags:step_quality")])
    Traceback (most recent call last):
    ...
    pkdata.builder.graph.GraphError: step 'quality' reads 'contributions_merged', ... (its writer is step 'merge'; ...)
    """
    given = set(given)
    chosen = list(dict.fromkeys(listed))
    names = {s.name for s in chosen}
    joined: list[Step] = []
    while True:
        new = [s for s in declared() if s.name not in names and names & set(s.joins)]
        if not new:
            break
        joined += new
        names |= {s.name for s in new}
    while True:  # a joined step without its required inputs has nothing to do
        made = set(writers(chosen + joined, given))
        lacking = [s for s in joined if not set(s.reads) <= made]
        if not lacking:
            break
        joined = [s for s in joined if s not in lacking]
    run = chosen + joined
    made = writers(run, given)
    every = writers(declared())
    for s in chosen:
        for name in s.reads:
            if name not in made:
                writer = every.get(name)
                hint = f" (its writer is step {writer!r}; run it too)" if writer else ""
                raise GraphError(f"step {s.name!r} reads {name!r}, which no step of this build writes{hint}")
    return order(run, given)


def order(steps: Iterable[Step], given: Iterable[str] = ()) -> list[Step]:
    """The steps in an order where each runs after the writers of what it reads (ties: the declared order).

    >>> cycle = [Step("a", "m:a", reads=("y",), writes=("x",)), Step("b", "m:b", reads=("x",), writes=("y",))]
    >>> order(cycle)
    Traceback (most recent call last):
    ...
    pkdata.builder.graph.GraphError: the build steps a, b read each other's tables in a cycle
    """
    steps = list(steps)
    made = writers(steps, given)
    rank = {s.name: i for i, s in enumerate(declared())}
    pending = sorted(steps, key=lambda s: rank.get(s.name, len(rank)))
    done: set[str] = set()
    out: list[Step] = []
    while pending:
        ready = next((s for s in pending if _needs(s, made) <= done), None)
        if ready is None:
            names = ", ".join(s.name for s in pending)
            raise GraphError(f"the build steps {names} read each other's tables in a cycle")
        pending.remove(ready)
        out.append(ready)
        done.add(ready.name)
    return out


def _needs(step: Step, made: dict[str, str]) -> set[str]:
    """The steps (of this build) that write what ``step`` reads."""
    return {made[name] for name in step.inputs if name in made and made[name] != step.name} - {
        "(a step passed as a function)"
    }


def needs(step: Step, steps: Iterable[Step], given: Iterable[str] = ()) -> set[str]:
    """Names of the steps among ``steps`` that must finish before ``step`` starts.

    >>> sorted(needs(by_run("pkdata.builder.steps.quality_flags:step_contributions"), declared()))
    ['merge', 'quality']
    """
    return _needs(step, writers(steps, given))


def check() -> None:
    """Raise :class:`GraphError` unless the declared steps form a graph: one writer per name, every read written,
    no cycle, joins naming steps.

    >>> check()
    """
    steps = declared()
    made = writers(steps)
    names = {s.name for s in steps}
    for s in steps:
        for name in s.reads + s.optional:
            if name not in made:
                raise GraphError(f"step {s.name!r} reads {name!r}, which no declared step writes")
        for j in s.joins:
            if j not in names:
                raise GraphError(f"step {s.name!r} joins {j!r}, which is not a declared step")
    order(steps)


# --------------------------------------------------------------------------- docs


#: The lines of ``docs/architecture.md`` between which :func:`render`'s text stands.
BEGIN = "<!-- BEGIN generated by pkdata.builder.graph.render(): do not edit by hand -->"
END = "<!-- END generated -->"


def generated_part(text: str) -> str:
    """The text between :data:`BEGIN` and :data:`END` of a document (empty when it has none).

    >>> generated_part(f"intro\\n{BEGIN}\\nthe graph\\n{END}\\nmore")
    'the graph\\n'
    """
    if BEGIN not in text or END not in text:
        return ""
    return text.split(BEGIN, 1)[1].split(END, 1)[0].lstrip("\n")


def render() -> str:
    """The step graph as Markdown (the generated part of ``docs/architecture.md``): a Mermaid graph (a solid
    arrow: a required read, dotted: optional; ``+n``: n more names on that edge), then one row per step with
    what it reads and writes, then the writer of every published table.

    >>> "| `un_pdfs` |" in render()
    True
    """
    steps = order(declared())
    lines = ["```mermaid", "flowchart LR"]
    made = writers(steps)
    edges: dict[tuple[str, str, str], list[str]] = {}
    for s in steps:
        for name in s.inputs:
            edges.setdefault((made[name], s.name, "-->" if name in s.reads else "-.->"), []).append(name)
    for (src, dst, style), names in edges.items():
        label = names[0] if len(names) == 1 else f"{names[0]} +{len(names) - 1}"
        lines.append(f"    {src} {style}|{label}| {dst}")
    linked = {name for src, dst, _ in edges for name in (src, dst)}
    lines += [f"    {s.name}" for s in steps if s.name not in linked]
    lines += ["```", "", "| step | function | reads (sources, curated, tables) | writes | what it does |"]
    lines.append("|---|---|---|---|---|")
    for s in steps:
        reads = [f"source `{x}`" for x in s.sources] + [f"curated `{x}`" for x in s.curated]
        reads += [f"raw `{x}`" for x in s.raw] + [f"`{x}`" for x in s.reads] + [f"`{x}` (optional)" for x in s.optional]
        writes = [f"**`{x}`**" for x in s.writes] + [f"manifest `{x}`" for x in s.keys]
        writes += [f"`{x}` (passed)" for x in s.passes]
        joins = f" Joins any build that runs {', '.join(f'`{j}`' for j in s.joins)}." if s.joins else ""
        lines.append(
            f"| `{s.name}` | `{s.run}` | {', '.join(reads) or '-'} | {', '.join(writes) or '- (a check)'} | "
            f"{s.about}.{joins} |"
        )
    lines += ["", "| published table | written by |", "|---|---|"]
    lines += [f"| `{name}` | `{s.name}` |" for name, s in sorted((n, s) for s in steps for n in s.writes)]
    return "\n".join(lines) + "\n"


def write_docs(path: Path) -> Path:
    """Replace the generated part of ``path`` (``docs/architecture.md``) with :func:`render`'s text."""
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise PkdataError(f"{path}: no generated part (the lines {BEGIN!r} and {END!r})")
    head, rest = text.split(BEGIN, 1)
    atomic.write_text(path, f"{head}{BEGIN}\n{render()}{END}{rest.split(END, 1)[1]}")
    return path


if (
    __name__ == "__main__"
):  # pragma: no cover - maintenance command: python -m pkdata.builder.graph docs/architecture.md
    import sys

    print(write_docs(Path(sys.argv[1])))
