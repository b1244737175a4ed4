"""`nianbao alert` against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email
import os
import subprocess
import sys
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Iterator

import pytest
from aiosmtpd.controller import Controller

from monitor.alerts import send_digest
from nianbao import config, store
from nianbao.errors import UserError
from tests.nianbao.conftest import free_port

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
BASE_URL = "http://127.0.0.1:8001"

AGENCIES = [
    {"agency_id": "410223-wjw", "agency_name": "尉氏县卫生健康委员会", "region_code": "410223",
     "region_name": "河南省开封市尉氏县", "agency_type": "department", "start_url": "http://127.0.0.1:1/a"},
    {"agency_id": "610921-gov", "agency_name": "汉阴县人民政府", "region_code": "610921",
     "region_name": "陕西省安康市汉阴县", "agency_type": "government", "start_url": "http://127.0.0.1:1/b"},
]
# (agency_id, year, kind, rule, message, audience)
FLAGS = [
    ("410223-wjw", 2023, "unbalanced", "applications.total", "三（七）总计 expected 12, found 11 <b>", "agency"),
    ("410223-wjw", 2024, "missing", "missing", "2024年度报告未发布 (deadline 2025-01-31)", "agency"),
    ("610921-gov", 2024, "late", "late", "published 2025-04-02, deadline 2025-03-31", "agency"),
    ("610921-gov", 2024, "unreachable", "portal", "portal unreachable for 3 runs", "operator"),
]


class Collector:
    """An aiosmtpd handler that keeps every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]


class Smtp:
    """A real SMTP server that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.handler = Collector()
        self.controller: Controller | None = None

    def start(self) -> "Smtp":
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp().start()
    yield server
    server.stop()


def make_db(path: Path, agencies=AGENCIES, flags=FLAGS) -> Path:
    db = store.connect(path)
    store.save_agencies(db, agencies)
    regions = {a["agency_id"]: a["region_code"] for a in agencies}
    names = {a["agency_id"]: a["agency_name"] for a in agencies}
    db["reports"].insert({"agency_id": "410223-wjw", "year": 2023, "title": "2023年报",
                          "url": "http://portal.example/col/art_1.html",
                          "file_url": "http://portal.example/files/report.pdf", "sha256": "ab" * 32})
    db["flags"].insert_all({
        "agency_id": a, "agency_name": names[a], "year": y, "kind": k, "rule": r, "message": m,
        "report_url": None, "detected_at": store.now(), "audience": aud, "region_code": regions[a],
    } for a, y, k, r, m, aud in flags)
    return path


def unsent(path: Path) -> int:
    return store.connect(path).execute("select count(*) from flags where sent_at is null").fetchone()[0]


def env(smtp: Smtp, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "NIANBAO_CONFIG": str(tmp_path / "absent.toml"), "NIANBAO_SMTP_HOST": "127.0.0.1",
            "NIANBAO_SMTP_PORT": str(smtp.port), "NIANBAO_SMTP_SECURITY": "none",
            "NIANBAO_SMTP_FROM": "nianbao@test.local", "NIANBAO_SMTP_TO": "watch@test.local, lead@test.local",
            "NIANBAO_SMTP_PASSWORD": "s3cret-never-logged", **extra}


def alert(db: Path, environ: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([NIANBAO, "alert", "--db", str(db), *args], env=environ, cwd=db.parent,
                          capture_output=True, text=True, timeout=60)


def settings_for(server: Smtp, **override) -> dict:
    settings = config.load(environ={"NIANBAO_CONFIG": "/nonexistent.toml", "NIANBAO_SMTP_HOST": "127.0.0.1",
                                    "NIANBAO_SMTP_PORT": str(server.port), "NIANBAO_SMTP_TO": "all@test.local",
                                    "NIANBAO_SMTP_FROM": "nianbao@test.local"})
    for key, value in override.items():
        if isinstance(value, dict):
            settings[key].update(value)
        else:
            settings[key] = value
    return settings


def test_cli_sends_one_digest_once_with_both_parts(smtp: Smtp, tmp_path: Path) -> None:
    db = make_db(tmp_path / "reports.db")
    environ = env(smtp, tmp_path)
    result = alert(db, environ)
    assert result.returncode == 0, result.stderr
    assert "s3cret-never-logged" not in result.stdout + result.stderr
    assert len(smtp.handler.envelopes) == 1
    envelope = smtp.handler.envelopes[0]
    # No operator address is set, so the operator's flag goes to the general recipients.
    assert sorted(envelope.rcpt_tos) == ["lead@test.local", "watch@test.local"]
    assert envelope.mail_from == "nianbao@test.local"
    message = smtp.handler.messages()[0]
    assert message["Subject"] == "nianbao: 4 new flag(s) in 2 county(ies) 年报监测提醒"
    assert message["To"] == "lead@test.local, watch@test.local"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert message.get_content_type() == "multipart/alternative"
    flag_ids = [row["id"] for row in store.connect(db).query("select id from flags order by id")]
    for (*_, msg, _audience), flag_id in zip(FLAGS, flag_ids):
        assert msg in text
        assert f"{BASE_URL}/reports/flags/{flag_id}" in text
        assert f'href="{BASE_URL}/reports/flags/{flag_id}"' in html
    assert "expected 12, found 11 &lt;b&gt;" in html and "<b>\n" not in html.split("found 11")[1][:5]
    # Grouped by county, then agency; the report, its stored copy and its source page linked.
    assert text.index("== 河南省开封市尉氏县 ==") < text.index("-- 尉氏县卫生健康委员会") < text.index("== 陕西省安康市汉阴县 ==")
    assert "<h2>河南省开封市尉氏县</h2>" in html and "<h3>汉阴县人民政府</h3>" in html
    assert 'href="http://portal.example/files/report.pdf"' in html
    assert f'href="{BASE_URL}/-/files/{"ab" * 32}"' in html
    assert 'href="http://portal.example/col/art_1.html"' in html
    assert unsent(db) == 0
    assert "sent 1 digest(s) with 4 flag(s)" in result.stdout

    again = alert(db, environ)
    assert again.returncode == 0, again.stderr
    assert "no unsent flags" in again.stdout
    assert len(smtp.handler.envelopes) == 1


def test_smtp_down_keeps_flags_unsent_then_sends(smtp: Smtp, tmp_path: Path) -> None:
    db = make_db(tmp_path / "reports.db")
    environ = env(smtp, tmp_path, NIANBAO_SMTP_USER="")
    smtp.stop()
    failed = alert(db, environ)
    assert failed.returncode == 2
    lines = [line for line in failed.stderr.splitlines() if line.startswith("nianbao:")]
    assert len(lines) == 1 and "Traceback" not in failed.stderr
    assert lines[0].startswith(f"nianbao: error: cannot send the alert e-mail via 127.0.0.1:{smtp.port}:")
    assert lines[0].endswith("4 flag(s) stay unsent")
    assert unsent(db) == 4

    smtp.start()
    result = alert(db, environ)
    assert result.returncode == 0, result.stderr
    assert len(smtp.handler.envelopes) == 1
    assert unsent(db) == 0


def test_routes_by_region_and_kind_and_operator(smtp: Smtp, tmp_path: Path) -> None:
    db = store.connect(make_db(tmp_path / "reports.db"))
    settings = settings_for(smtp, smtp={"operator": ["ops@test.local"]}, routes=[
        {"to": ["weishi@test.local"], "regions": ["410223"], "kinds": ["missing", "late"]},
        {"to": ["hanyin@test.local"], "regions": ["610921"]},
    ])
    assert send_digest(db, settings) == 4
    received = {tuple(sorted(e.rcpt_tos)): email.message_from_bytes(e.content, policy=policy.default)
                for e in smtp.handler.envelopes}
    assert sorted(received) == [("all@test.local",), ("hanyin@test.local",), ("ops@test.local",),
                                ("weishi@test.local",)]

    def body(address: str) -> str:
        return received[(address,)].get_body(("plain",)).get_content()

    assert "2024年度报告未发布" in body("weishi@test.local")
    assert "expected 12" not in body("weishi@test.local")  # an unbalanced flag: not this officer's kind
    assert "汉阴" not in body("weishi@test.local")
    assert "published 2025-04-02" in body("hanyin@test.local") and "尉氏" not in body("hanyin@test.local")
    assert "portal unreachable" in body("ops@test.local") and "portal unreachable" not in body("hanyin@test.local")
    assert "portal unreachable" not in body("all@test.local")
    assert all(msg in body("all@test.local") for *_, msg, aud in FLAGS if aud == "agency")
    assert send_digest(db, settings) == 0
    assert len(smtp.handler.envelopes) == 4


def test_crawled_text_never_reaches_a_header(smtp: Smtp, tmp_path: Path) -> None:
    evil = [{**AGENCIES[0], "agency_name": "尉氏县\r\nBcc: x@evil\r\nSubject: hi"}, AGENCIES[1]]
    db = store.connect(make_db(tmp_path / "reports.db", agencies=evil))
    db.execute("update flags set message = ? where kind = 'missing'", ["<script>alert(1)</script>\r\nTo: y@evil"])
    db.conn.commit()
    assert send_digest(db, settings_for(smtp)) == 4
    [envelope] = smtp.handler.envelopes
    assert envelope.rcpt_tos == ["all@test.local"]
    message = email.message_from_bytes(envelope.content, policy=policy.default)
    assert message["Bcc"] is None and message.get_all("Subject") == [message["Subject"]]
    assert "evil" not in "".join(f"{k}: {v}" for k, v in message.items())
    html = message.get_body(("html",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "尉氏县 Bcc: x@evil Subject: hi" in message.get_body(("plain",)).get_content()


def test_only_web_addresses_are_links_in_the_html_digest(smtp: Smtp, tmp_path: Path) -> None:
    db = store.connect(make_db(tmp_path / "reports.db"))
    db.execute("update reports set url = 'javascript:alert(1)', file_url = 'JavaScript:alert(2)'")
    db.conn.commit()
    assert send_digest(db, settings_for(smtp)) == 4
    [message] = smtp.handler.messages()
    html = message.get_body(("html",)).get_content()
    assert 'href="http://127.0.0.1:8001/reports/flags/' in html   # the Datasette row is still a link
    assert "href=\"javascript" not in html.lower() and "javascript:alert(1)" in html and "JavaScript:alert(2)" in html


def test_dry_run_prints_and_marks_nothing(smtp: Smtp, tmp_path: Path) -> None:
    db = make_db(tmp_path / "watch.db")
    result = alert(db, env(smtp, tmp_path), "--dry-run")
    assert result.returncode == 0, result.stderr
    assert f"Datasette: {BASE_URL}/watch/flags/1\n" in result.stdout  # Datasette names the database after its file
    assert "Subject: nianbao: 4 new flag(s) in 2 county(ies)" in result.stdout
    assert "portal unreachable for 3 runs" in result.stdout
    assert "nothing marked sent" in result.stdout
    assert smtp.handler.envelopes == [] and unsent(db) == 4


def test_no_recipient_is_a_one_line_error(tmp_path: Path) -> None:
    db = store.connect(make_db(tmp_path / "reports.db"))
    settings = config.load(environ={"NIANBAO_CONFIG": "/nonexistent.toml"})
    with pytest.raises(UserError, match="no recipients configured for 4 unsent flag"):
        send_digest(db, settings)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), to be trusted through SSL_CERT_FILE."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    today = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(today - datetime.timedelta(days=1))
            .not_valid_after(today + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp.pem", folder / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_and_login(security: str, tmp_path: Path) -> None:
    """STARTTLS (the server refuses a login before it) and implicit TLS, each with a
    login the server checks; the certificate verified, the password never printed."""
    import ssl

    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins: list[bytes] = []

    def authenticate(server, session, envelope, mechanism, data) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == b"s3cret-never-logged"
        logins.append(data.login)
        return AuthResult(success=ok)

    server = Smtp()
    # aiosmtpd offers AUTH only after STARTTLS unless told otherwise, and cannot tell
    # that an implicit-TLS (ssl) session is encrypted
    tls = ({"tls_context": context, "require_starttls": True} if security == "starttls"
           else {"ssl_context": context, "auth_require_tls": False})
    server.controller = Controller(server.handler, hostname="127.0.0.1", port=server.port, authenticator=authenticate,
                                   server_hostname="127.0.0.1", **tls)
    server.controller.start()
    try:
        db = make_db(tmp_path / "reports.db")
        environ = env(server, tmp_path, NIANBAO_SMTP_SECURITY=security, NIANBAO_SMTP_USER="nianbao",
                      SSL_CERT_FILE=str(cert))
        result = alert(db, environ)
        assert result.returncode == 0, result.stderr
        assert logins == [b"nianbao"] and len(server.handler.envelopes) == 1 and unsent(db) == 0
        assert "user nianbao" in result.stderr and "s3cret" not in result.stdout + result.stderr

        untrusted = alert(make_db(tmp_path / "again.db"), {**environ, "SSL_CERT_FILE": "/nonexistent.pem"})
        assert untrusted.returncode == 2 and "Traceback" not in untrusted.stderr
        assert "certificate" in untrusted.stderr.lower() and unsent(tmp_path / "again.db") == 4
    finally:
        server.stop()
