"""Your own encoder: pass an nn.Module class (or a callable, or an instance).

hardclust calls ``encoder(input_shape, latent_dim)`` and trains the module it
returns; an instance is deep-copied, so yours is never trained in place::

    python examples/custom_encoder.py [--smoke]
"""

import argparse

from torch import nn

from hardclust import OnlineHardClustering
from hardclust.datasets import load_digits
from hardclust.metrics import clustering_report


class SmallCNN(nn.Module):
    """A CNN for 8x8 digits: one convolution, global pooling, a linear map."""

    def __init__(self, input_shape, latent_dim):
        super().__init__()
        channels = input_shape[0] if len(input_shape) == 3 else 1
        self.net = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(32 * 4, latent_dim),
        )

    def forward(self, x):
        if x.dim() == 3:  # (batch, H, W): add the channel axis
            x = x.unsqueeze(1)
        return self.net(x)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few epochs (for the tests)")
    args = parser.parse_args(argv)
    images, y = load_digits(images=True)  # (1797, 8, 8)
    model = OnlineHardClustering(n_clusters=10, encoder=SmallCNN, latent_dim=16,
                                 random_state=0)
    if args.smoke:
        model.set_params(max_epochs=2)
    model.fit(images)
    report = clustering_report(y, model.labels_)
    print(f"encoder: {type(model.encoder_).__name__}, "
          f"{sum(p.numel() for p in model.encoder_.parameters())} parameters")
    print("ACC {ACC:.3f}  NMI {NMI:.3f}  ARI {ARI:.3f}".format(**report))
    return report


if __name__ == "__main__":
    main()
