"""The no-op task of bench/tasks_backends.py, in a module of its own so that a worker process can import it."""

from django.tasks import task


@task(queue_name="default")
def noop() -> None:
    return None
