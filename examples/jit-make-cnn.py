# A small CIFAR-10 CNN made and scripted by PyTorch (what "a model trained in Python" looks like
# to tstorch): conv-BatchNorm-ReLU blocks, dropout, two methods. Run by examples/jit-finetune.ts
# and bench/jit-serve.ts with Debian's /usr/bin/python3:  /usr/bin/python3 examples/jit-make-cnn.py OUT.pt
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(64, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.drop(self.features(x).flatten(1)))

    @torch.jit.export
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities."""
        return F.softmax(self.forward(x), dim=1)


if __name__ == "__main__":
    torch.manual_seed(0)
    torch.jit.script(SmallCnn()).save(sys.argv[1])
    print(f"wrote {sys.argv[1]}")
