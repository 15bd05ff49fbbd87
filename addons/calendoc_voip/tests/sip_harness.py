"""Real SIP on loopback for the tests: the bridge as a process of its own and
SIPp (Debian's sip-tester) as the trunk, the secretaries' phones and callees."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.join(HERE, "sipp")
BRIDGE = os.path.join(os.path.dirname(HERE), "bridge")
SIPP = shutil.which("sipp") or "/usr/bin/sipp"


def free_port(kind=socket.SOCK_DGRAM):
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Relay(threading.Thread):
    """A TCP relay to Odoo that can refuse every connection for a while
    (``cut``), or accept them and keep them waiting until ``release()``
    (``hold``: Odoo slow to answer)."""

    def __init__(self, target_port):
        super().__init__(daemon=True)
        self.target_port = target_port
        self.cut = False
        self.hold = False
        self.held = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.refused = 0

    def release(self):
        self.hold = False
        held, self.held = self.held, []
        for client in held:
            threading.Thread(target=self.pipe, args=(client,), daemon=True).start()

    def close(self):
        self.closed = True
        self.server.close()

    def run(self):
        while not getattr(self, "closed", False):
            try:
                client, _addr = self.server.accept()
            except OSError:
                return
            if self.cut:
                self.refused += 1
                client.close()
                continue
            if self.hold:
                self.held.append(client)
                continue
            threading.Thread(target=self.pipe, args=(client,), daemon=True).start()

    def pipe(self, client):
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), 10)
        except OSError:
            client.close()
            return

        def copy(src, dst):
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for sock in (src, dst):
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        threading.Thread(target=copy, args=(upstream, client), daemon=True).start()
        copy(client, upstream)


class BridgeProcess:
    """The bridge started as in production, on free loopback ports."""

    def __init__(self, odoo_url, secret, trunk_port, ring_timeout=10):
        self.sip_port = free_port()
        self.http_port = free_port(socket.SOCK_STREAM)
        self.workdir = tempfile.mkdtemp(prefix="calendoc-bridge-")
        self.state_file = os.path.join(self.workdir, "state.json")
        self.log_path = os.path.join(self.workdir, "bridge.log")
        self.args = [
            sys.executable,
            BRIDGE,
            "--sip",
            f"127.0.0.1:{self.sip_port}",
            "--http",
            f"127.0.0.1:{self.http_port}",
            "--odoo-url",
            odoo_url,
            "--trunk",
            f"127.0.0.1:{trunk_port}",
            "--state-file",
            self.state_file,
            "--ring-timeout",
            str(ring_timeout),
            "--retry-delay",
            "0.2",
        ]
        self.env = dict(os.environ, CALENDOC_VOIP_SECRET=secret)
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def start(self):
        log = open(self.log_path, "a", encoding="utf-8")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                return self.health()
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the bridge did not start:\n" + self.log())

    def health(self):
        with urllib.request.urlopen(self.url + "/health", timeout=2) as answer:
            return json.loads(answer.read())

    def kill(self):
        """A crash: no clean shutdown."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def log(self):
        with open(self.log_path, encoding="utf-8") as handle:
            return handle.read()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


class Sipp:
    """One SIPp process running one of tests/sipp/*.xml."""

    def __init__(self, scenario, port, remote=None, calls=1, timeout=30, **variables):
        self.workdir = tempfile.mkdtemp(prefix="calendoc-sipp-")
        self.port = port
        # {{name}} in the scenario is replaced by the keyword argument ``name``
        with open(os.path.join(SCENARIOS, scenario), encoding="utf-8") as handle:
            text = handle.read()
        for name, value in variables.items():
            text = text.replace("{{%s}}" % name, str(value))
        if "{{" in text:
            raise ValueError(f"{scenario}: a {{{{variable}}}} has no value")
        path = os.path.join(self.workdir, scenario)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        args = [
            SIPP,
            "-sf",
            path,
            "-i",
            "127.0.0.1",
            "-p",
            str(port),
            "-m",
            str(calls),
            "-nostdin",
            "-timeout",
            f"{timeout}s",
            "-timeout_error",
            "-trace_err",
            "-trace_stat",
            "-mp",
            str(free_port()),
        ]
        if remote:
            args.append(remote)
        self.args = args
        self.process = subprocess.Popen(
            args,
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )

    def wait_listening(self, timeout=10):
        """Return once SIPp holds its UDP port (a phone ready to be rung)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                try:
                    probe.bind(("127.0.0.1", self.port))
                except OSError:
                    return
            time.sleep(0.05)
        raise AssertionError(f"SIPp does not listen on {self.port}")

    def wait(self, timeout=40):
        """SIPp's exit status: 0 when every call went as the scenario says."""
        try:
            _out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _out, err = self.process.communicate()
        self.stderr = err.decode("utf-8", "replace")
        return self.process.returncode

    def errors(self):
        found = []
        for name in os.listdir(self.workdir):
            if name.endswith("_errors.log"):
                with open(os.path.join(self.workdir, name), encoding="utf-8") as f:
                    found.append(f.read()[-3000:])
        return "\n".join(found) + getattr(self, "stderr", "")

    def cleanup(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        shutil.rmtree(self.workdir, ignore_errors=True)
