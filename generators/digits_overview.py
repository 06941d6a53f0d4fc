"""The embedded digits data set: sample images and how many of each digit there are."""

from __future__ import annotations

from dataclasses import dataclass

from engine.charts import BarChart, BarPanel, ImageGridChart, ImagePanel
from engine.contract import Result, RunContext
from generators._digits_data import DigitsSource, load_data

UPSTREAM = ()
DATA_FILES = ()


@dataclass
class Params(DigitsSource):
    # example images of each digit on the page
    samples_per_class: int = 4


PARAMS = Params


def run(ctx: RunContext) -> Result:
    import torch

    split = load_data(ctx)
    images = torch.cat([split.train_images, split.heldout_images]).numpy()
    labels = torch.cat([split.train_labels, split.heldout_labels]).numpy()
    per_class = ctx.config.samples_per_class
    counts = [int((labels == d).sum()) for d in range(10)]
    examples = [images[labels == d][:per_class] for d in range(10)]
    # Column-major: one column per digit, so the grid reads 0..9 left to right.
    grid = [examples[d][i].tolist() for i in range(per_class) for d in range(10)]
    ctx.progress(1, 1, f"{len(labels)} images")
    return Result(
        metrics={
            "summary": {
                "images": len(labels),
                "image_side": int(images.shape[1]),
                "classes": 10,
                "smallest_class": min(counts),
                "largest_class": max(counts),
            },
            "class_counts": counts,
            "class_table": {
                "columns": ["digit", "images", "share of the data set"],
                "rows": [[d, counts[d], f"{counts[d] / len(labels):.1%}"] for d in range(10)],
            },
        },
        charts=[
            ImageGridChart(
                name="examples",
                title="Examples of each digit",
                panels=[ImagePanel(label="first images of each digit", images=grid)],
                columns=10,
            ),
            BarChart(
                name="class_counts",
                title="Images per digit",
                x_label="digit",
                y_label="images",
                panels=[BarPanel(label="all images", categories=[str(d) for d in range(10)], values=counts)],
            ),
        ],
    )
