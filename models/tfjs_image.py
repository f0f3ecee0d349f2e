"""TF.js's picture resizing (CPU backend, @tensorflow/tfjs 4.22), in numpy, for the checks.

The original models are always run on pictures prepared by these two TF.js kernels, so
the check scripts prepare their inputs the same way: `resize_bilinear` is
tf.image.resizeBilinear, `crop_and_resize` is tf.image.cropAndResize (bilinear). Both
follow the kernels' arithmetic (double precision over float32 inputs, one rounding to
float32 at the end), so they give TF.js's values to the last bit or within one ulp.
"""

import numpy as np


def resize_bilinear(image, size: tuple[int, int], align_corners: bool = False,
                    half_pixel_centers: bool = False):
    """tf.image.resizeBilinear of one [H, W, C] float32 picture to size (height, width)."""
    image = np.asarray(image, dtype=np.float32)
    old_h, old_w = image.shape[:2]
    new_h, new_w = size

    def sources(old, new):
        eff_in = old - 1 if align_corners and new > 1 else old
        eff_out = new - 1 if align_corners and new > 1 else new
        ratio = eff_in / eff_out
        index = np.arange(new, dtype=np.float64)
        frac = ratio * (index + 0.5) - 0.5 if half_pixel_centers else ratio * index
        floor = np.maximum(0, np.floor(frac)).astype(np.int64)
        ceil = np.minimum(old - 1, np.ceil(frac)).astype(np.int64)
        return floor, ceil, frac - floor

    r0, r1, rf = sources(old_h, new_h)
    c0, c1, cf = sources(old_w, new_w)
    x = image.astype(np.float64)
    cf = cf[None, :, None]
    top = x[r0][:, c0] + (x[r0][:, c1] - x[r0][:, c0]) * cf
    bottom = x[r1][:, c0] + (x[r1][:, c1] - x[r1][:, c0]) * cf
    return (top + (bottom - top) * rf[:, None, None]).astype(np.float32)


def crop_and_resize(image, box, size: tuple[int, int], extrapolation: float = 0.0):
    """tf.image.cropAndResize (bilinear) of one [H, W, C] float32 picture.

    box = [y1, x1, y2, x2] as fractions of the picture (0..1; TF.js holds them as float32),
    size = (height, width) of the result.
    """
    image = np.asarray(image, dtype=np.float64)
    height, width = image.shape[:2]
    y1, x1, y2, x2 = (float(np.float32(v)) for v in box)
    crop_h, crop_w = size

    def sources(a, b, extent, crop):
        if crop > 1:
            scale = (b - a) * (extent - 1) / (crop - 1)
            where = a * (extent - 1) + np.arange(crop, dtype=np.float64) * scale
        else:
            where = np.full(crop, 0.5 * (a + b) * (extent - 1))
        inside = (where >= 0) & (where <= extent - 1)
        clipped = np.clip(where, 0, extent - 1)
        low = np.floor(clipped).astype(np.int64)
        high = np.ceil(clipped).astype(np.int64)
        return low, high, clipped - low, inside

    t, b, yl, yin = sources(y1, y2, height, crop_h)
    left, right, xl, xin = sources(x1, x2, width, crop_w)
    xl = xl[None, :, None]
    top = image[t][:, left] + (image[t][:, right] - image[t][:, left]) * xl
    bottom = image[b][:, left] + (image[b][:, right] - image[b][:, left]) * xl
    out = top + (bottom - top) * yl[:, None, None]
    out[~yin] = extrapolation
    out[:, ~xin] = extrapolation
    return out.astype(np.float32)
