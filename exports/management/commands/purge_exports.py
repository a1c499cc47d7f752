from django.core.management.base import BaseCommand

from exports.services import purge_exports


class Command(BaseCommand):
    help = "Delete the files of export links that expired and of exports that died (for cron)."

    def handle(self, *args, **options):
        changed = purge_exports()
        self.stdout.write(f"{changed} export(s) cleaned up")
