"""What a chaos run counted, and the one rule that passes it: every upload has exactly one
result object and the dead-letter queue ends empty."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ChaosReport:
    """The counts, in the order the run makes them; `lines()` is what scripts/chaos.py prints."""

    uploads: int = 0
    deliveries: int = 0
    invocations: int = 0
    dead_lettered: int = 0
    results_after_trigger: int = 0
    dlq_before_redrive: int = 0
    covered: bool = False
    stale_dead_letters: int = 0
    uploads_only_in_dlq: int = 0
    redrive_passes: int = 0
    redrive_replays: int = 0
    dlq_after_redrive: int = 0
    results: int = 0
    error_results: int = 0
    current_skips: int = 0
    rewrites: int = 0
    lost: int = 0
    duplicated: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (
            self.covered
            and self.lost == 0
            and self.duplicated == 0
            and self.dlq_after_redrive == 0
            and self.results == self.uploads
        )

    def lines(self) -> list[str]:
        faults = ", ".join(f"{k} {v}" for k, v in sorted(self.faults.items()))
        return [
            f"uploads:                   {self.uploads}",
            f"deliveries (S3 repeats):   {self.deliveries}",
            f"invocations (w/ retries):  {self.invocations}",
            f"results after trigger:     {self.results_after_trigger}",
            f"DLQ before redrive:        {self.dlq_before_redrive}",
            f"each upload: one result or a DLQ entry: {self.covered}",
            f"uploads only in the DLQ:   {self.uploads_only_in_dlq}",
            f"DLQ entries already done by a repeat: {self.stale_dead_letters}",
            f"redrive passes / replays:  {self.redrive_passes} / {self.redrive_replays}",
            f"DLQ after redrive:         {self.dlq_after_redrive}",
            f"results:                   {self.results} ({self.error_results} error results)",
            f"skipped as current:        {self.current_skips}",
            f"results rewritten:         {self.rewrites}",
            f"lost:                      {self.lost}",
            f"duplicated:                {self.duplicated}",
            f"faults injected:           {faults}",
            f"seconds:                   {self.seconds:.1f}",
        ]
