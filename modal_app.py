"""sema4-demo on Modal: the repository's Dockerfile, served as a web endpoint.

    modal serve modal_app.py    # a temporary URL, live while the command runs
    modal deploy modal_app.py   # a lasting URL

Either prints a https://<workspace>--sema4-demo-serve....modal.run URL to paste into the Braintrust
Playground. The README's Deploy section has the steps, the secret to create first, and how an eval ends
itself before Modal's 150 s limit on one web request.
"""

import os
import subprocess
from pathlib import Path

import modal

PORT = 8300
# The service's own limit on evals at once (MAX_CONCURRENT_EVALS); a container takes a few requests more
# so that /list and health checks still get through while its evals are full.
MAX_CONCURRENT_EVALS = 20
MAX_INPUTS_PER_CONTAINER = MAX_CONCURRENT_EVALS + 5
# Modal's front door cuts every web request at 150 s. An eval ends itself within this budget (the rows it could
# not finish reported as such, then summary and done); the 10 s left are for Modal's own routing and the network.
MODAL_REQUEST_CUT_MS = 150_000
EVAL_TIME_BUDGET_MS = MODAL_REQUEST_CUT_MS - 10_000

HERE = Path(__file__).parent

image = modal.Image.from_dockerfile(
    HERE / "Dockerfile",
    context_dir=HERE,
    # Modal's runtime is Python, which the Node image lacks.
    add_python="3.12",
    # Modal appends its own build steps that need root, and runs containers under gVisor.
    build_args={"APP_USER": "root"},
)

app = modal.App("sema4-demo", image=image)


@app.function(
    # ADMIN_TOKEN guards the admin routes of a public URL; BRAINTRUST_API_KEY and OPENAI_API_KEY are
    # optional keys in the same secret.
    secrets=[modal.Secret.from_name("sema4-demo-secrets", required_keys=["ADMIN_TOKEN"])],
    min_containers=0,
    max_containers=3,
    scaledown_window=300,
    # One input is one HTTP request; Modal's front door ends a request at 150 s whatever this says.
    timeout=900,
)
@modal.concurrent(max_inputs=MAX_INPUTS_PER_CONTAINER)
@modal.web_server(port=PORT, startup_timeout=90)
def serve() -> None:
    # The image's CMD, started in the background: Modal routes requests once the port answers.
    subprocess.Popen(
        ["node", "dist/main.js"],
        cwd="/app",
        env={
            **os.environ,
            "HOST": "0.0.0.0",
            "PORT": str(PORT),
            "MAX_CONCURRENT_EVALS": str(MAX_CONCURRENT_EVALS),
            "EVAL_TIME_BUDGET_MS": str(EVAL_TIME_BUDGET_MS),
        },
    )
