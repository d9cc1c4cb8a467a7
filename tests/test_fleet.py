"""Fleet configuration: a centre signs its site bundle, a real HTTPS server on 127.0.0.1
(with a certificate from a test certificate authority) publishes it, and machines pull it
with ``If-None-Match``, checking the Ed25519 signature before anything changes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import free_port
from test_cli import leling

from launcher.core import fleet
from launcher.core.site import load_site

x509 = pytest.importorskip("cryptography.x509", reason="cryptography is a dependency")

BUNDLE = b"""locked = ["emergency.number", "remote.lan"]

[settings]
text_scale = 150
emergency = { number = "120" }
remote = { lan = false }
"""


def certificate_authority(folder: Path) -> tuple[Path, Path, Path]:
    """A test CA and a server certificate for 127.0.0.1: (ca.pem, cert.pem, key.pem)."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Leling test centre CA"))
        .issuer_name(name("Leling test centre CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


class Publisher:
    """The centre's HTTPS server: serves files with ETags, counts what it sends."""

    def __init__(self, folder: Path) -> None:
        self.files: dict[str, bytes] = {}
        self.log: list[tuple[str, int]] = []
        self.ca, cert, key = certificate_authority(folder)
        self.port = free_port()
        files, log = self.files, self.log

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = files.get(self.path)
                if body is None:
                    self.send_response(404)
                    self.end_headers()
                    log.append((self.path, 404))
                    return
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    log.append((self.path, 304))
                    return
                self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                log.append((self.path, 200))

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, bundle: bytes, private_pem: bytes) -> None:
        self.files["/leling/site.toml"] = bundle
        self.files["/leling/site.toml.sig"] = fleet.sign(bundle, private_pem).encode()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/leling/site.toml"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def centre(tmp_path: Path) -> Iterator[tuple[Publisher, bytes, bytes]]:
    publisher = Publisher(tmp_path)
    private, public = fleet.make_keys()
    yield publisher, private, public
    publisher.stop()


def machine(folder: Path, publisher: Publisher, public: bytes, *, ca: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f'url = "{publisher.url}"', f'public_key = "{base64.b64encode(public).decode()}"']
    if ca:
        lines.append(f'ca = "{publisher.ca}"')
    (folder / "fleet.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_a_signed_bundle_is_applied_and_an_unchanged_one_is_not_downloaded_again(
    tmp_path: Path, centre: tuple[Publisher, bytes, bytes]
) -> None:
    publisher, private, public = centre
    publisher.publish(BUNDLE, private)
    site_dir = machine(tmp_path / "etc", publisher, public)
    state = fleet.pull(site_dir)
    assert state.last_error == "" and state.last_change == state.last_check
    assert (site_dir / "site.toml").read_bytes() == BUNDLE
    assert load_site(site_dir / "site.toml").value("emergency.number") == "120"
    before = len(publisher.log)
    again = fleet.pull(site_dir)
    assert again.last_error == "" and again.last_change == state.last_change
    # One request, answered 304: the bundle was not sent, nor its signature asked for.
    assert publisher.log[before:] == [("/leling/site.toml", 304)]
    changed = BUNDLE.replace(b'"120"', b'"999"')
    publisher.publish(changed, private)
    third = fleet.pull(site_dir)
    assert third.last_error == "" and (site_dir / "site.toml").read_bytes() == changed


def test_a_wrong_signature_keeps_the_last_good_bundle_and_says_why(
    tmp_path: Path, centre: tuple[Publisher, bytes, bytes]
) -> None:
    publisher, private, public = centre
    publisher.publish(BUNDLE, private)
    site_dir = machine(tmp_path / "etc", publisher, public)
    fleet.pull(site_dir)
    intruder, _ = fleet.make_keys()
    publisher.publish(BUNDLE.replace(b"text_scale = 150", b"text_scale = 100"), intruder)
    state = fleet.pull(site_dir)
    assert "the signature does not match the centre's key" in state.last_error
    assert (site_dir / "site.toml").read_bytes() == BUNDLE
    # A tampered byte under the right signature is the same failure.
    publisher.files["/leling/site.toml"] = BUNDLE.replace(b"150", b"200")
    assert "signature does not match" in fleet.pull(site_dir).last_error
    assert (site_dir / "site.toml").read_bytes() == BUNDLE


def test_a_bad_bundle_even_well_signed_is_refused_naming_the_key(
    tmp_path: Path, centre: tuple[Publisher, bytes, bytes]
) -> None:
    publisher, private, public = centre
    publisher.publish(BUNDLE, private)
    site_dir = machine(tmp_path / "etc", publisher, public)
    fleet.pull(site_dir)
    publisher.publish(BUNDLE.replace(b"text_scale = 150", b"text_scale = 900"), private)
    state = fleet.pull(site_dir)
    assert publisher.url in state.last_error and "text_scale" in state.last_error
    assert "last good bundle stays" in state.last_error
    assert (site_dir / "site.toml").read_bytes() == BUNDLE


def test_a_server_that_is_down_or_untrusted_changes_nothing(
    tmp_path: Path, centre: tuple[Publisher, bytes, bytes]
) -> None:
    publisher, private, public = centre
    publisher.publish(BUNDLE, private)
    site_dir = machine(tmp_path / "etc", publisher, public)
    fleet.pull(site_dir)
    untrusting = machine(tmp_path / "other", publisher, public, ca=False)
    refused = fleet.pull(untrusting)
    assert "cannot be reached" in refused.last_error  # its certificate is not trusted
    assert not (untrusting / "site.toml").exists()
    publisher.stop()
    down = fleet.pull(site_dir)
    assert f"{publisher.url}: cannot be reached" in down.last_error
    assert (site_dir / "site.toml").read_bytes() == BUNDLE
    status = "\n".join(fleet.describe(site_dir))
    assert "last problem: " + down.last_error in status


def test_the_staff_tools_sign_and_the_machine_pulls_from_the_command_line(
    tmp_path: Path, home: Path, centre: tuple[Publisher, bytes, bytes]
) -> None:
    publisher, _, _ = centre
    key = tmp_path / "centre.key"
    made = leling(home, "fleet", "keygen", "--out", str(key))
    assert made.returncode == 0, made.stderr
    public_line = next(line for line in made.stdout.splitlines() if line.startswith("public_key"))
    assert key.stat().st_mode & 0o077 == 0, "the private key is readable by its owner only"
    assert leling(home, "fleet", "keygen", "--out", str(key)).returncode == 2
    bundle = tmp_path / "site.toml"
    bundle.write_bytes(BUNDLE)
    signed = leling(home, "fleet", "sign", str(bundle), "--key", str(key))
    assert signed.returncode == 0, signed.stderr
    publisher.files["/leling/site.toml"] = BUNDLE
    publisher.files["/leling/site.toml.sig"] = (tmp_path / "site.toml.sig").read_bytes()
    site_dir = tmp_path / "etc"
    site_dir.mkdir()
    (site_dir / "fleet.toml").write_text(
        f'url = "{publisher.url}"\n{public_line.split("  #")[0]}\nca = "{publisher.ca}"\n',
        encoding="utf-8",
    )
    pulled = leling(home, "fleet", "pull", "--site-dir", str(site_dir))
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout.strip().endswith("site.toml: updated")
    status = leling(home, "fleet", "status", "--site-dir", str(site_dir), "--json")
    data = json.loads(status.stdout)
    assert data["last_error"] == "" and len(data["bundle"]) == 64
    # A bundle machines would refuse is never signed.
    bad = tmp_path / "bad.toml"
    bad.write_text("[settings]\ntext_scale = 900\n", encoding="utf-8")
    refused = leling(home, "fleet", "sign", str(bad), "--key", str(key))
    assert refused.returncode == 2 and "text_scale" in refused.stderr
    assert not (tmp_path / "bad.toml.sig").exists()


def test_a_machine_without_a_fleet_file_is_told_so(tmp_path: Path, home: Path) -> None:
    result = leling(home, "fleet", "pull", "--site-dir", str(tmp_path))
    assert result.returncode == 1
    assert "fleet.toml: no fleet file" in result.stderr


def test_an_announcement_over_the_broker_makes_machines_pull_at_once(
    tmp_path: Path, centre: tuple[Publisher, bytes, bytes]
) -> None:
    import shutil
    import subprocess
    import threading

    if shutil.which("mosquitto") is None:
        pytest.skip("mosquitto is installed by packaging/dev.sh")
    publisher, private, public = centre
    publisher.publish(BUNDLE, private)
    port = free_port()
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\nuser root\n")
    broker = subprocess.Popen(
        ["mosquitto", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    site_dir = machine(tmp_path / "etc", publisher, public)
    announce = f"mqtt://127.0.0.1:{port}/leling-fleet/centre-1"
    with (site_dir / "fleet.toml").open("a", encoding="utf-8") as fleet_file:
        fleet_file.write(f'announce = "{announce}"\n')
    stop = threading.Event()
    states: list[fleet.FleetState] = []
    listener = threading.Thread(
        target=fleet.listen, args=(site_dir, stop), kwargs={"pulled": states.append}
    )
    try:
        listener.start()
        # It catches up at once, then waits.
        deadline = 100
        while not states and deadline:
            listener.join(0.1)
            deadline -= 1
        assert states and (site_dir / "site.toml").read_bytes() == BUNDLE
        changed = BUNDLE.replace(b'"120"', b'"999"')
        publisher.publish(changed, private)
        # The announcement may race the listener's subscription: announce until heard.
        for _ in range(50):
            fleet.announce(announce)
            listener.join(0.2)
            if (site_dir / "site.toml").read_bytes() == changed:
                break
        assert (site_dir / "site.toml").read_bytes() == changed
        assert states[-1].last_error == ""
    finally:
        stop.set()
        listener.join(10)
        broker.terminate()
        broker.wait(10)


def test_a_bad_announce_address_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "fleet.toml").write_text(
        'url = "https://x.example/site.toml"\n'
        f'public_key = "{base64.b64encode(bytes(32)).decode()}"\n'
        'announce = "mqtt://broker.example/"\n',
        encoding="utf-8",
    )
    with pytest.raises(fleet.FleetError, match=r"fleet.toml: 'announce': .* names no topic"):
        fleet.read_source(tmp_path / "fleet.toml")
