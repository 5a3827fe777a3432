"""Package list for setuptools (everything else is in pyproject.toml).

The shipped sounds live in the repository's top-level `audio_assets/` folder and install
as the data package `generator.audio_assets`, so a wheel carries them and
`generator.assets` finds them next to the code. pyproject.toml alone cannot express
"every package found, plus one folder mapped in from elsewhere".
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["generator", "generator.*"]) + ["generator.audio_assets"],
    package_dir={"generator.audio_assets": "audio_assets"},
)
