# The PyTorch side of bench/jit-serve.ts: the same TorchScript CNN behind Python's
# http.server (ThreadingHTTPServer: one thread per connection), the same protocol as
# examples/jit-serve.ts (POST a 32x32 PNG to /classify, JSON {label, index, probs}).
#   /usr/bin/python3 bench/jit_serve_torch.py --port 8081 --model .cache/jit/cifar-cnn.pt
import argparse
import io
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import torch
from PIL import Image

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, default=8081)
ap.add_argument("--model", required=True)
ap.add_argument("--threads", type=int, default=1)
args = ap.parse_args()
torch.set_num_threads(args.threads)
model = torch.jit.load(args.model)
model.eval()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Node's server

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path != "/classify":
            return self.reply(404, {"error": "POST a PNG to /classify"})
        try:
            img = Image.open(io.BytesIO(body)).convert("RGB")
            if img.size != (32, 32):
                return self.reply(400, {"error": f"expected a 32x32 image, got {img.size[0]}x{img.size[1]}"})
            x = torch.from_numpy(np.asarray(img, dtype=np.uint8).copy()).permute(2, 0, 1).unsqueeze(0).float().div(255)
            with torch.no_grad():
                p = model.predict(x)[0].tolist()
            i = max(range(10), key=lambda k: p[k])
            self.reply(200, {"label": CLASSES[i], "index": i, "probs": p})
        except Exception as e:  # noqa: BLE001 - the client gets the reason
            self.reply(400, {"error": str(e)})

    def log_message(self, *a):
        pass


print(f"serving on 127.0.0.1:{args.port}", flush=True)
ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()
