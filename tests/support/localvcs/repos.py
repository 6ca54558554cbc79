"""Bare repositories served by localvcs, and the git commands that read them."""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("localvcs.repos")

# Fixed identities and dates make the synthetic repositories' commit ids the same on every run.
SYNTHETIC_AUTHOR = ("Local VCS", "localvcs@example.invalid")
SYNTHETIC_DATES = ["2024-01-02T10:00:00Z", "2024-01-03T11:00:00Z", "2024-01-04T12:00:00Z",
                   "2024-01-05T13:00:00Z"]

SPACELIFT_CONFIG = """version: "1"
stack_defaults:
  project_root: infra
  terraform_version: "1.5.7"
"""


def git_environment() -> dict[str, str]:
    """Return an environment that keeps the caller's git configuration out of every command."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
                "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"})
    return env


class GitCommandError(Exception):
    pass


def run_git(args: list[str], cwd: Path | None = None, extra_env: dict[str, str] | None = None,
            check: bool = True) -> subprocess.CompletedProcess[bytes]:
    env = git_environment()
    env.update(extra_env or {})
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True)
    if check and result.returncode != 0:
        raise GitCommandError(f"git {' '.join(args)} failed with exit code {result.returncode}: "
                              f"{result.stderr.decode(errors='replace').strip()}")
    return result


def normalize_repo_path(path: str) -> str:
    """Return a repository path without slashes at the ends or a .git suffix, raising ValueError if unsafe."""
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[:-4]
    segments = path.split("/")
    if not path or any(segment in ("", ".", "..") or segment.startswith("-") for segment in segments):
        raise ValueError(f"invalid repository path {path!r}: expected names like group/sub/repo")
    return path


@dataclass
class Repository:
    id: int
    path: str
    git_dir: Path

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def namespace(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return run_git(["--git-dir", str(self.git_dir), *args], check=check)

    def popen(self, *args: str) -> subprocess.Popen[bytes]:
        """Start a git command whose standard output the caller streams."""
        return subprocess.Popen(["git", "--git-dir", str(self.git_dir), *args], env=git_environment(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)

    def default_branch(self) -> str:
        result = self.git("symbolic-ref", "--short", "HEAD", check=False)
        return result.stdout.decode().strip() or "main"

    def resolve_commit(self, revision: str) -> str | None:
        """Return the full commit id for a revision, or None if it names no commit."""
        if not revision or revision.startswith("-"):
            return None
        result = self.git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}",
                          check=False)
        return result.stdout.decode().strip() if result.returncode == 0 else None


class RepositoryStore:
    """Bare repositories under ROOT/repos, with GitLab-style numeric ids in creation order."""

    def __init__(self, root: Path) -> None:
        self.repos_root = root / "repos"
        self.repos_root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._repositories: list[Repository] = []

    def _register(self, path: str, git_dir: Path) -> Repository:
        with self._lock:
            for repository in self._repositories:
                if repository.path == path:
                    return repository
            repository = Repository(len(self._repositories) + 1, path, git_dir)
            self._repositories.append(repository)
            return repository

    def _git_dir(self, path: str) -> Path:
        return self.repos_root / f"{path}.git"

    def clone(self, path: str, source: str) -> Repository:
        """Clone source as a bare repository at path, or reuse one that exists there."""
        path = normalize_repo_path(path)
        git_dir = self._git_dir(path)
        if git_dir.exists():
            log.info("reusing existing repository %s at %s", path, git_dir)
        else:
            git_dir.parent.mkdir(parents=True, exist_ok=True)
            run_git(["clone", "--bare", "--quiet", "--end-of-options", source, str(git_dir)])
            log.info("cloned %s into %s", source, path)
        self._enable_push(git_dir)
        return self._register(path, git_dir)

    def make_synthetic(self, path: str) -> Repository:
        """Create a small repository with deterministic commits, a tag and a feature branch."""
        path = normalize_repo_path(path)
        git_dir = self._git_dir(path)
        if git_dir.exists():
            log.info("reusing existing repository %s at %s", path, git_dir)
        else:
            git_dir.parent.mkdir(parents=True, exist_ok=True)
            run_git(["init", "--bare", "--quiet", "--initial-branch=main", str(git_dir)])
            with tempfile.TemporaryDirectory(prefix="localvcs-work-") as work:
                _build_synthetic_history(Path(work), path, git_dir)
            log.info("created synthetic repository %s", path)
        self._enable_push(git_dir)
        return self._register(path, git_dir)

    def scan_existing(self) -> None:
        """Register bare repositories left under the root by an earlier run."""
        for head in sorted(self.repos_root.rglob("*.git/HEAD")):
            git_dir = head.parent
            path = git_dir.relative_to(self.repos_root).as_posix()[:-4]
            self._register(path, git_dir)

    @staticmethod
    def _enable_push(git_dir: Path) -> None:
        # git http-backend rejects git-receive-pack without REMOTE_USER unless this is set.
        run_git(["--git-dir", str(git_dir), "config", "http.receivepack", "true"])

    def all(self) -> list[Repository]:
        with self._lock:
            return list(self._repositories)

    def find(self, path: str, ignore_case: bool = False) -> Repository | None:
        try:
            path = normalize_repo_path(path)
        except ValueError:
            return None
        for repository in self.all():
            if repository.path == path or ignore_case and repository.path.lower() == path.lower():
                return repository
        return None

    def find_project(self, id_or_path: str) -> Repository | None:
        """Find a repository by GitLab project id: a number or the decoded full path."""
        if id_or_path.isdigit():
            return next((r for r in self.all() if r.id == int(id_or_path)), None)
        return self.find(id_or_path)


def _build_synthetic_history(work: Path, path: str, git_dir: Path) -> None:
    name, email = SYNTHETIC_AUTHOR
    run_git(["init", "--quiet", "--initial-branch=main"], cwd=work)
    repo_name = path.rsplit("/", 1)[-1]
    steps = [
        ("main", "Add README", {"README.md": f"# {repo_name}\n\nSynthetic repository served by localvcs.\n"}),
        ("main", "Add Spacelift configuration", {
            ".spacelift/config.yml": SPACELIFT_CONFIG,
            "infra/main.tf": 'resource "null_resource" "example" {}\n',
        }),
        ("main", "Describe the infrastructure in README", {
            "README.md": f"# {repo_name}\n\nSynthetic repository served by localvcs.\n\n"
                         "The Terraform code lives in infra/.\n",
        }),
        ("feature/demo", "Add a demo output", {"infra/outputs.tf": 'output "demo" { value = "ok" }\n'}),
    ]
    for (branch, message, files), date in zip(steps, SYNTHETIC_DATES):
        if branch != "main":
            run_git(["checkout", "--quiet", "-B", branch], cwd=work)
        for relative, content in files.items():
            target = work / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        run_git(["add", "--all"], cwd=work)
        run_git(["commit", "--quiet", "--no-gpg-sign", "-m", message], cwd=work, extra_env={
            "GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_DATE": date,
            "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": email, "GIT_COMMITTER_DATE": date,
        })
        if message == "Add Spacelift configuration":
            run_git(["tag", "v1.0"], cwd=work)
    run_git(["push", "--quiet", str(git_dir), "refs/heads/*:refs/heads/*", "refs/tags/*:refs/tags/*"], cwd=work)
