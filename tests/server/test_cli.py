"""``ml3 init`` makes the first user once, never a second owner."""

from support import platform_env, run_ml3
from ml3_platform.settings import Settings


def test_init_refuses_a_second_time(backend, new_database, tmp_path):
    env = platform_env(Settings(home=tmp_path, database_url=new_database(backend)))

    first = run_ml3("init", env=env)
    assert first.returncode == 0, first.stderr
    assert len(first.stdout.strip().splitlines()[-1]) > 40

    second = run_ml3("init", env=env)
    assert second.returncode == 1
    assert "already has users" in second.stderr
