"""Vendor-shaped REST endpoints that read real data from the bare repositories.

GitLab gets the endpoints a demo uses. Bitbucket Data Center, GitHub
Enterprise and Azure DevOps get repository metadata and branches. Paths are
split on "/" before each segment is percent-decoded once, so an encoded
project path such as acme%2Fapp stays one segment.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from typing import Any, Callable

from bytegen import send_generated_bytes
from control import MAX_PARSED_BODY_BYTES, RESPONSE_BEHAVIOURS, hash_body, send_json
from httpcore import HttpError, Request, Response, READ_CHUNK_BYTES
from repos import Repository, RepositoryStore

Handler = Callable[[Request, Response, dict[str, str]], None]

_BRANCH_FORMAT = "%(refname:short)%00%(objectname)%00%(contents:subject)%00%(authorname)%00%(authoremail)%00" \
                 "%(authordate:iso-strict)%00%(committerdate:iso-strict)"
_COMMIT_FORMAT = "%H%x00%h%x00%s%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%cI%x00%P%x00%B"
_ARCHIVE_FORMATS = {"archive": "tar.gz", "archive.tar.gz": "tar.gz", "archive.tgz": "tar.gz",
                    "archive.tar": "tar", "archive.zip": "zip"}


def _match(pattern: list[str], segments: list[str]) -> dict[str, str] | None:
    """Match decoded path segments against a pattern whose {name} items capture one segment."""
    if len(pattern) != len(segments):
        return None
    captures = {}
    for expected, actual in zip(pattern, segments):
        if expected.startswith("{"):
            captures[expected[1:-1]] = actual
        elif expected != actual:
            return None
    return captures


def _base_url(request: Request) -> str:
    return f"{request.scheme}://{request.header('Host') or 'localhost'}"


def _commit_summary(repository: Repository, revision: str) -> dict[str, Any] | None:
    sha = repository.resolve_commit(revision)
    if sha is None:
        return None
    fields = repository.git("log", "-1", f"--format={_COMMIT_FORMAT}", sha, "--").stdout.decode().split("\0")
    return {
        "id": fields[0], "short_id": fields[1], "title": fields[2],
        "author_name": fields[3], "author_email": fields[4], "authored_date": fields[5],
        "committer_name": fields[6], "committer_email": fields[7], "committed_date": fields[8],
        "created_at": fields[8], "parent_ids": fields[9].split(), "message": fields[10].rstrip("\n") + "\n",
    }


def _branches(repository: Repository) -> list[dict[str, str]]:
    output = repository.git("for-each-ref", f"--format={_BRANCH_FORMAT}", "refs/heads").stdout.decode()
    branches = []
    for line in output.splitlines():
        name, sha, subject, author, email, authored, committed = line.split("\0")
        branches.append({"name": name, "sha": sha, "subject": subject, "author": author, "email": email,
                         "authored": authored, "committed": committed})
    return branches


def _stream_process(response: Response, process, status: int, headers: list[tuple[str, str]],
                    length: int | None = None) -> None:
    completed = False
    try:
        first = process.stdout.read1(READ_CHUNK_BYTES)
        if not first and process.wait() != 0:
            raise HttpError(500, f"git failed: {process.stderr.read().decode(errors='replace').strip()}")
        response.start(status, headers, length=length)
        data = first
        while data:
            response.write(data)
            response.flush()
            data = process.stdout.read1(READ_CHUNK_BYTES)
        response.finish()
        completed = True
    finally:
        if not completed and process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()
        process.stderr.close()


class VendorApi:
    def __init__(self, store: RepositoryStore) -> None:
        self._store = store
        self._status_ids = iter(range(1, 1 << 62))
        gitlab = [
            ("GET", "user", self._gitlab_user),
            ("GET", "version", self._gitlab_version),
            ("GET", "projects", self._gitlab_projects),
            ("GET", "projects/{project}", self._gitlab_project),
            ("GET", "projects/{project}/repository/branches", self._gitlab_branches),
            ("GET", "projects/{project}/repository/branches/{branch}", self._gitlab_branch),
            ("GET", "projects/{project}/repository/commits", self._gitlab_commits),
            ("GET", "projects/{project}/repository/commits/{sha}", self._gitlab_commit),
            ("GET", "projects/{project}/repository/tree", self._gitlab_tree),
            ("GET", "projects/{project}/repository/files/{file}", self._gitlab_file),
            ("GET", "projects/{project}/repository/files/{file}/raw", self._gitlab_file_raw),
            ("POST", "projects/{project}/statuses/{sha}", self._gitlab_status),
            ("GET", "projects/{project}/merge_requests", self._gitlab_merge_requests),
        ]
        gitlab += [("GET", f"projects/{{project}}/repository/{name}", self._gitlab_archive)
                   for name in _ARCHIVE_FORMATS]
        self._routes = [(method, ["api", "v4", *pattern.split("/")], handler) for method, pattern, handler in gitlab]
        self._routes += [
            ("GET", ["rest", "api", "1.0", "projects", "{key}", "repos", "{slug}"], self._bitbucket_repo),
            ("GET", ["rest", "api", "1.0", "projects", "{key}", "repos", "{slug}", "branches"],
             self._bitbucket_branches),
            ("GET", ["api", "v3", "repos", "{owner}", "{repo}"], self._github_repo),
            ("GET", ["api", "v3", "repos", "{owner}", "{repo}", "branches"], self._github_branches),
            ("GET", ["{org}", "{project}", "_apis", "git", "repositories", "{repo}"], self._azure_repo),
            ("GET", ["{org}", "{project}", "_apis", "git", "repositories", "{repo}", "refs"], self._azure_refs),
        ]

    def handle(self, request: Request, response: Response) -> bool:
        """Serve the request if a vendor route matches it, and return whether one did."""
        segments = [urllib.parse.unquote(s) for s in request.raw_path.strip("/").split("/")]
        method = "GET" if request.method == "HEAD" else request.method
        matched_path = False
        for route_method, pattern, handler in self._routes:
            captures = _match(pattern, segments)
            if captures is None:
                continue
            matched_path = True
            if route_method == method:
                handler(request, response, captures)
                return True
        if matched_path:
            raise HttpError(405, f"method {request.method} not allowed on {request.raw_path}")
        return False

    # GitLab

    def _project(self, captures: dict[str, str]) -> Repository:
        repository = self._store.find_project(captures["project"])
        if repository is None:
            raise HttpError(404, f"404 Project Not Found: {captures['project']}")
        return repository

    def _gitlab_project_json(self, request: Request, repository: Repository) -> dict[str, Any]:
        base = _base_url(request)
        return {
            "id": repository.id,
            "name": repository.name,
            "path": repository.name,
            "path_with_namespace": repository.path,
            "name_with_namespace": repository.path.replace("/", " / "),
            "namespace": {"full_path": repository.namespace, "path": repository.namespace.rsplit("/", 1)[-1]},
            "default_branch": repository.default_branch(),
            "visibility": "private",
            "http_url_to_repo": f"{base}/{repository.path}.git",
            "web_url": f"{base}/{repository.path}",
        }

    def _gitlab_user(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        send_json(response, 200, {"id": 1, "username": "localvcs", "name": "Local VCS", "state": "active"})

    def _gitlab_version(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        send_json(response, 200, {"version": "16.0.0-localvcs", "revision": "localvcs"})

    def _gitlab_projects(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        send_json(response, 200, [self._gitlab_project_json(request, r) for r in self._store.all()])

    def _gitlab_project(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        send_json(response, 200, self._gitlab_project_json(request, self._project(captures)))

    def _gitlab_branch_json(self, repository: Repository, branch: dict[str, str]) -> dict[str, Any]:
        return {
            "name": branch["name"],
            "default": branch["name"] == repository.default_branch(),
            "protected": False,
            "merged": False,
            "commit": {"id": branch["sha"], "short_id": branch["sha"][:8], "title": branch["subject"],
                       "author_name": branch["author"], "author_email": branch["email"].strip("<>"),
                       "authored_date": branch["authored"], "committed_date": branch["committed"]},
        }

    def _gitlab_branches(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._project(captures)
        send_json(response, 200, [self._gitlab_branch_json(repository, b) for b in _branches(repository)])

    def _gitlab_branch(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._project(captures)
        for branch in _branches(repository):
            if branch["name"] == captures["branch"]:
                send_json(response, 200, self._gitlab_branch_json(repository, branch))
                return
        raise HttpError(404, "404 Branch Not Found")

    def _gitlab_commits(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._project(captures)
        params = request.query_params()
        ref = params.get("ref_name") or repository.default_branch()
        per_page = params.get("per_page", "20")
        sha = repository.resolve_commit(ref)
        if sha is None:
            raise HttpError(404, "404 Commit Not Found")
        count = int(per_page) if per_page.isdigit() else 20
        shas = repository.git("rev-list", f"--max-count={count}", sha, "--").stdout.decode().split()
        send_json(response, 200, [_commit_summary(repository, s) for s in shas])

    def _gitlab_commit(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        commit = _commit_summary(self._project(captures), captures["sha"])
        if commit is None:
            raise HttpError(404, "404 Commit Not Found")
        send_json(response, 200, commit)

    def _gitlab_tree(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._project(captures)
        params = request.query_params()
        sha = repository.resolve_commit(params.get("ref") or repository.default_branch())
        if sha is None:
            raise HttpError(404, "404 Tree Not Found")
        treeish = f"{sha}:{params['path'].strip('/')}" if params.get("path") else sha
        args = ["ls-tree", "-z"] + (["-r", "-t"] if params.get("recursive") == "true" else []) + [treeish]
        result = repository.git(*args, check=False)
        if result.returncode != 0:
            raise HttpError(404, "404 Tree Not Found")
        prefix = params["path"].strip("/") + "/" if params.get("path") else ""
        entries = []
        for line in result.stdout.decode().split("\0"):
            if not line:
                continue
            meta, name = line.split("\t", 1)
            mode, kind, object_id = meta.split(" ")
            entries.append({"id": object_id, "name": name.rsplit("/", 1)[-1], "type": kind,
                            "path": prefix + name, "mode": mode})
        send_json(response, 200, entries)

    def _file_blob(self, repository: Repository, path: str, ref: str) -> tuple[str, str]:
        """Return (commit id, blob id) of a file at ref, raising HttpError 404 if either is missing."""
        sha = repository.resolve_commit(ref or repository.default_branch())
        if sha is None:
            raise HttpError(404, "404 Commit Not Found")
        result = repository.git("rev-parse", "--verify", "--quiet", f"{sha}:{path}", check=False)
        blob = result.stdout.decode().strip()
        if result.returncode != 0 or repository.git("cat-file", "-t", blob).stdout.strip() != b"blob":
            raise HttpError(404, "404 File Not Found")
        return sha, blob

    def _gitlab_file(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._project(captures)
        ref = request.query_params().get("ref", "")
        sha, blob = self._file_blob(repository, captures["file"], ref)
        content = repository.git("cat-file", "blob", blob).stdout
        send_json(response, 200, {
            "file_name": captures["file"].rsplit("/", 1)[-1], "file_path": captures["file"],
            "size": len(content), "encoding": "base64", "content": base64.b64encode(content).decode(),
            "ref": ref or repository.default_branch(), "blob_id": blob, "commit_id": sha,
        })

    def _gitlab_file_raw(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._project(captures)
        params = request.query_params()
        if "respond" in params:
            behaviour = RESPONSE_BEHAVIOURS.get(params["respond"])
            if behaviour is None:
                raise HttpError(400, f"invalid respond={params['respond']!r}: expected one of "
                                     f"{', '.join(RESPONSE_BEHAVIOURS)}")
            behaviour(request, response, params)
            return
        _, blob = self._file_blob(repository, captures["file"], request.query_params().get("ref", ""))
        size = int(repository.git("cat-file", "-s", blob).stdout)
        _stream_process(response, repository.popen("cat-file", "blob", blob), 200,
                        [("Content-Type", "text/plain; charset=utf-8"), ("X-Gitlab-Blob-Id", blob)], length=size)

    def _gitlab_archive(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._project(captures)
        params = request.query_params()
        if "size" in params:
            send_generated_bytes(request, response, params)
            return
        archive_format = _ARCHIVE_FORMATS[request.raw_path.rsplit("/", 1)[-1]]
        sha = repository.resolve_commit(params.get("sha") or repository.default_branch())
        if sha is None:
            raise HttpError(404, "404 Commit Not Found")
        prefix = f"{repository.name}-{sha}"
        filename = f"{prefix}.{archive_format}"
        content_type = {"zip": "application/zip", "tar": "application/x-tar"}.get(archive_format, "application/gzip")
        process = repository.popen("archive", f"--format={archive_format}", f"--prefix={prefix}/", sha)
        _stream_process(response, process, 200, [("Content-Type", content_type),
                                                 ("Content-Disposition", f'attachment; filename="{filename}"')])

    def _gitlab_status(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._project(captures)
        length, sha256, start = hash_body(request, MAX_PARSED_BODY_BYTES)
        fields = request.query_params()
        fields.update(_parse_small_body(request, start, length))
        send_json(response, 201, {
            "id": next(self._status_ids),
            "sha": captures["sha"],
            "ref": fields.get("ref"),
            "status": fields.get("state"),
            "name": fields.get("name") or fields.get("context") or "default",
            "target_url": fields.get("target_url"),
            "description": fields.get("description"),
            "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "project_id": repository.id,
            "body_length": length,
            "body_sha256": sha256,
        })

    def _gitlab_merge_requests(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._project(captures)
        default = repository.default_branch()
        requests = []
        for iid, branch in enumerate((b for b in _branches(repository) if b["name"] != default), start=1):
            requests.append({
                "id": repository.id * 1000 + iid, "iid": iid, "project_id": repository.id,
                "title": branch["subject"], "state": "opened", "source_branch": branch["name"],
                "target_branch": default, "sha": branch["sha"],
                "web_url": f"{_base_url(request)}/{repository.path}/-/merge_requests/{iid}",
            })
        send_json(response, 200, requests)

    # Bitbucket Data Center, GitHub Enterprise and Azure DevOps

    def _find(self, *candidates: str) -> Repository:
        for candidate in candidates:
            repository = self._store.find(candidate, ignore_case=True)
            if repository is not None:
                return repository
        raise HttpError(404, f"repository not found; tried {', '.join(candidates)}")

    def _bitbucket_repo(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._find(f"scm/{captures['key']}/{captures['slug']}")
        base = _base_url(request)
        key = captures["key"].upper()
        send_json(response, 200, {
            "id": repository.id, "slug": repository.name, "name": repository.name, "scmId": "git",
            "state": "AVAILABLE", "project": {"key": key, "name": key},
            "links": {"clone": [{"name": "http", "href": f"{base}/{repository.path}.git"}]},
        })

    def _bitbucket_branches(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._find(f"scm/{captures['key']}/{captures['slug']}")
        default = repository.default_branch()
        values = [{"id": f"refs/heads/{b['name']}", "displayId": b["name"], "type": "BRANCH",
                   "latestCommit": b["sha"], "isDefault": b["name"] == default} for b in _branches(repository)]
        send_json(response, 200, {"size": len(values), "limit": 25, "isLastPage": True, "start": 0,
                                  "values": values})

    def _github_repo(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._find(f"{captures['owner']}/{captures['repo']}")
        send_json(response, 200, {
            "id": repository.id, "name": repository.name, "full_name": repository.path,
            "owner": {"login": repository.namespace}, "private": True,
            "default_branch": repository.default_branch(),
            "clone_url": f"{_base_url(request)}/{repository.path}.git",
        })

    def _github_branches(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._find(f"{captures['owner']}/{captures['repo']}")
        send_json(response, 200, [{"name": b["name"], "commit": {"sha": b["sha"]}, "protected": False}
                                  for b in _branches(repository)])

    def _azure_candidates(self, captures: dict[str, str]) -> tuple[str, str]:
        org, project, repo = captures["org"], captures["project"], captures["repo"]
        return f"{org}/{project}/_git/{repo}", f"{org}/{project}/{repo}"

    def _azure_repo(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._find(*self._azure_candidates(captures))
        base = _base_url(request)
        send_json(response, 200, {
            "id": f"00000000-0000-0000-0000-{repository.id:012d}", "name": repository.name,
            "defaultBranch": f"refs/heads/{repository.default_branch()}",
            "project": {"name": captures["project"]},
            "remoteUrl": f"{base}/{captures['org']}/{captures['project']}/_git/{repository.name}",
        })

    def _azure_refs(self, request: Request, response: Response, captures: dict[str, str]) -> None:
        repository = self._find(*self._azure_candidates(captures))
        values = [{"name": f"refs/heads/{b['name']}", "objectId": b["sha"]} for b in _branches(repository)]
        send_json(response, 200, {"count": len(values), "value": values})


def _parse_small_body(request: Request, start: bytes, length: int) -> dict[str, str]:
    """Return the fields of a JSON or form body whose whole content is in start."""
    if length != len(start) or not start:
        return {}
    content_type = (request.header("Content-Type") or "").split(";", 1)[0].strip().lower()
    try:
        if content_type == "application/json":
            value = json.loads(start)
            return {k: str(v) for k, v in value.items()} if isinstance(value, dict) else {}
        if content_type == "application/x-www-form-urlencoded":
            return dict(urllib.parse.parse_qsl(start.decode(), keep_blank_values=True))
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, f"invalid {content_type} body") from None
    return {}
