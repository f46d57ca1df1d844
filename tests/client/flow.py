"""The main flow of PrepQ through a client generated from openapi/openapi.json, with no
hand-written request: register, verify the address, sign in, upload a resume and wait for
its reading, diagnose it, read the diagnosis, predict questions, read the points history.

Run by the `clients` scenario: python flow.py --api URL --outbox DIR --resume FILE
Exits non-zero, saying what was wrong, at the first answer that is not what the flow needs.
"""

import argparse
import email
import pathlib
import re
import sys
import time
import uuid

from prepq_client import AuthenticatedClient, Client
from prepq_client.api.accounts import (
    get_auth_verify_email,
    post_auth_login,
    post_auth_register,
)
from prepq_client.api.analyses import (
    get_diagnoses_id,
    get_question_sets_id,
    post_diagnoses,
    post_question_sets,
)
from prepq_client.api.points import get_points_history
from prepq_client.api.resumes import get_resumes_id, post_resumes
from prepq_client.models import (
    Account,
    Credentials,
    DiagnosisRequest,
    DiagnosisView,
    JobView,
    PageLedgerLine,
    PostResumesBody,
    Profile,
    QuestionSetRequest,
    QuestionSetView,
    Registration,
    ResumeView,
    TargetJob,
    TokenPair,
)
from prepq_client.models.job_state import JobState
from prepq_client.types import File

PASSWORD = "a generated client's passphrase"
DEADLINE_SECS = 120
JOB = (
    "Backend engineer. Requirements: Go and Kubernetes in production, PostgreSQL, "
    "Redis, designing HTTP APIs, on-call for the services you build."
)


def expect(kind, answer, what):
    if not isinstance(answer, kind):
        sys.exit(f"{what}: expected {kind.__name__}, got {answer!r}")
    return answer


def finished(operation, view, id, client, what):
    """Polls `operation` for `id` until its view is in a final state; the view."""
    end = time.monotonic() + DEADLINE_SECS
    while True:
        current = expect(view, operation.sync(id, client=client), what)
        if current.status in (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED):
            if current.status != JobState.SUCCEEDED:
                sys.exit(f"{what} ended {current.status}: {current.error}")
            return current
        if time.monotonic() > end:
            sys.exit(f"{what} did not finish within {DEADLINE_SECS} s")
        time.sleep(0.2)


def verification_token(outbox, address):
    end = time.monotonic() + DEADLINE_SECS
    while time.monotonic() < end:
        for path in sorted(pathlib.Path(outbox).glob("*.eml")):
            message = email.message_from_bytes(path.read_bytes())
            if message["To"] and address in message["To"]:
                for part in message.walk():
                    if part.get_content_type() == "text/plain":
                        text = part.get_payload(decode=True).decode()
                        found = re.search(r"verify-email\?token=([0-9a-f]+)", text)
                        if found:
                            return found.group(1)
        time.sleep(0.2)
    sys.exit(f"no verification mail to {address} in {outbox}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True, help="base URL, ending in /api/v1")
    parser.add_argument("--outbox", required=True)
    parser.add_argument("--resume", required=True)
    args = parser.parse_args()

    anonymous = Client(base_url=args.api, raise_on_unexpected_status=True)
    address = f"client-{uuid.uuid4().hex}@example.com"
    account = post_auth_register.sync(
        client=anonymous, body=Registration(email=address, password=PASSWORD)
    )
    expect(Account, account, "register")

    token = verification_token(args.outbox, address)
    profile = get_auth_verify_email.sync(client=anonymous, token=token)
    profile = expect(Profile, profile, "verify")
    if not profile.email_verified:
        sys.exit(f"verified, but the profile says otherwise: {profile!r}")

    tokens = post_auth_login.sync(
        client=anonymous, body=Credentials(email=address, password=PASSWORD)
    )
    tokens = expect(TokenPair, tokens, "sign in")
    user = AuthenticatedClient(
        base_url=args.api, token=tokens.access_token, raise_on_unexpected_status=True
    )

    with open(args.resume, "rb") as resume_file:
        upload = PostResumesBody(
            file=File(payload=resume_file, file_name="cv.pdf", mime_type="application/pdf")
        )
        resume = post_resumes.sync(client=user, body=upload)
    resume = expect(ResumeView, resume, "upload")
    resume = finished(get_resumes_id, ResumeView, resume.id, user, "the resume's reading")
    if not resume.text:
        sys.exit(f"the resume was read but has no text: {resume!r}")

    target = TargetJob(title="Backend Engineer", description=JOB)
    job = post_diagnoses.sync(
        client=user, body=DiagnosisRequest(resume_id=resume.id, target=target)
    )
    job = expect(JobView, job, "diagnose")
    diagnosis = finished(get_diagnoses_id, DiagnosisView, job.id, user, "the diagnosis")
    if not diagnosis.diagnosis or not diagnosis.diagnosis.suggestions:
        sys.exit(f"a diagnosis without suggestions: {diagnosis!r}")

    job = post_question_sets.sync(
        client=user,
        body=QuestionSetRequest(resume_id=resume.id, target=target, count=5),
    )
    job = expect(JobView, job, "predict questions")
    questions = finished(
        get_question_sets_id, QuestionSetView, job.id, user, "the question set"
    )
    if len(questions.question_set.questions) != 5:
        sys.exit(f"asked for 5 questions: {questions!r}")

    history = get_points_history.sync(client=user)
    history = expect(PageLedgerLine, history, "points history")
    entries = [line.entry for line in history.items]
    if entries.count("reserve") != 2:
        sys.exit(f"two analyses, so two reservations: {entries}")
    print(f"the generated client ran the main flow: {len(history.items)} ledger lines")


if __name__ == "__main__":
    main()
