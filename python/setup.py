"""Builds and installs the imbgen Python package: the pure-Python modules in imbgen/ and the
extension imbgen._core, which CMake builds from the repository this folder belongs to.

    pip install ./python                      # configures and builds a release tree of its own
    IMBGEN_BUILD_DIR=build/release pip install --no-build-isolation ./python
                                              # reuses a configured tree (scripts/setup.sh)

Nothing is downloaded: the C++ dependencies are Debian's (scripts/setup.sh installs them) and
numpy, pandas, scikit-learn and imbalanced-learn come from the environment.
"""

import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _version():
    with open(os.path.join(ROOT, "CMakeLists.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("project(imbgen VERSION "):
                return line.split()[2]
    raise RuntimeError("no project(imbgen VERSION ...) line in CMakeLists.txt")


class CMakeBuild(build_ext):
    """Builds the _core target with CMake and copies the module where setuptools expects it."""

    def build_extension(self, ext):
        build_dir = os.environ.get("IMBGEN_BUILD_DIR")
        if build_dir:
            build_dir = os.path.abspath(os.path.join(ROOT, build_dir))
        else:
            build_dir = os.path.join(ROOT, "build", "python-" + sys.implementation.cache_tag)
            cfg = ["cmake", "-S", ROOT, "-B", build_dir, "-G", "Ninja",
                   "-DCMAKE_BUILD_TYPE=Release", "-DIMBGEN_BUILD_TESTS=OFF",
                   "-DIMBGEN_BUILD_BENCH=OFF", "-DPython_EXECUTABLE=" + sys.executable]
            print("imbgen: configuring the C++ build in", build_dir, flush=True)
            subprocess.run(cfg, check=True)
        jobs = str(os.cpu_count() or 1)
        print("imbgen: building imbgen._core in", build_dir, flush=True)
        subprocess.run(["cmake", "--build", build_dir, "--target", "_core", "-j", jobs], check=True)
        built_dir = os.path.join(build_dir, "python", "imbgen")
        suffix = ".so"
        built = [f for f in os.listdir(built_dir) if f.startswith("_core") and f.endswith(suffix)]
        if len(built) != 1:
            raise RuntimeError(f"expected one _core module in {built_dir}, found {built}")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(built_dir, built[0]), target)


setup(
    name="imbgen",
    version=_version(),
    description="Fix class imbalance in tabular data with generative models, and find out "
                "honestly whether it helped",
    packages=["imbgen"],
    ext_modules=[Extension("imbgen._core", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    python_requires=">=3.9",
    install_requires=["numpy", "pandas", "scipy", "scikit-learn", "imbalanced-learn"],
    zip_safe=False,
)
