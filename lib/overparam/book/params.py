"""The size profiles and devices a chapter accepts, checked before any compute.

The pipeline injects ``profile``, ``device``, ``seed`` and ``out_dir`` into every chapter. The
pipeline (before it starts a kernel) and ``Chapter`` (also when a chapter is run by hand) both check
the first two with these functions, so a typo fails at once, before any compute, with one message that
lists the valid choices. Whether a named device is present is the question of
``overparam.runtime.resolve_device``.
"""

from __future__ import annotations

__all__ = ["DEVICES", "PROFILES", "validate_device", "validate_profile"]

PROFILES = ("quick", "paper")
"""Size profiles: ``quick`` (CPU, minutes; the paper's protocol scaled down) and ``paper`` (GPU)."""
DEVICES = ("auto", "cpu", "cuda")
"""Device names; ``cuda:N`` is accepted too."""


def validate_profile(profile: str) -> str:
    """Check that ``profile`` is one of ``PROFILES``.

    Parameters
    ----------
    profile : str
        The size profile asked for.

    Returns
    -------
    str
        ``profile`` itself.

    Raises
    ------
    ValueError
        An unknown profile; the message lists the valid ones.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; valid profiles: {', '.join(PROFILES)}")
    return profile


def validate_device(device: str) -> str:
    """Check that ``device`` names a device (whether it is present is ``resolve_device``'s question).

    Parameters
    ----------
    device : str
        One of ``DEVICES`` or ``cuda:N``.

    Returns
    -------
    str
        ``device`` itself.

    Raises
    ------
    ValueError
        Not a device name; the message lists the valid ones.
    """
    if not (device in DEVICES or (isinstance(device, str) and device.startswith("cuda:"))):
        raise ValueError(f"unknown device {device!r}; valid devices: {', '.join(DEVICES)} (or cuda:N)")
    return device
