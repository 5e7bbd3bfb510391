"""``manage.py seed_demo --learners N --reviews N [--reset]``: bulk demo data for benchmarks."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from studyapp.progress.demo_data import DemoDataPresent, demo_present, demo_reset, demo_seed


class Command(BaseCommand):
    help = (
        "Build bulk demo data: learners with a year of card reviews, quiz and exam attempts, "
        "reading progress, and a 30-learner cohort taught by the demo instructor. Use a "
        "separate database (DATABASE_URL or VAR_DIR) for large runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--learners", type=int, default=1000, help="learners (default 1000)")
        parser.add_argument(
            "--reviews", type=int, default=1_000_000, help="review-log rows in all (default 1M)"
        )
        parser.add_argument("--reset", action="store_true", help="remove earlier demo data first")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")

    def handle(self, *args, learners: int, reviews: int, reset: bool, seed: int, **options):
        if learners < 1 or reviews < 1:
            raise CommandError("--learners and --reviews must be at least 1.")
        if demo_present():
            if not reset:
                raise CommandError(
                    "Demo data is already in this database; seeding again would double it. "
                    "Run `manage.py seed_demo --reset ...` to replace it."
                )
            self.stdout.write("Removing the earlier demo data ...")
            demo_reset()
        try:
            summary = demo_seed(learners=learners, reviews=reviews, now=timezone.now(), seed=seed)
        except DemoDataPresent as problem:  # another process seeded meanwhile
            raise CommandError(str(problem)) from problem
        self.stdout.write(
            f"Seeded {summary.learners} learners, {summary.cards} cards, {summary.reviews} "
            f"reviews, {summary.attempts} attempts ({summary.answers} answers) and the cohort "
            f"“{summary.cohort.name}” (id {summary.cohort.pk}) in {summary.seconds:.1f} s. "
            f"Log in as learner / instructor (see `manage.py demo_users`)."
        )
