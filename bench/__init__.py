"""The scripts that regenerate the measured pages of docs/ (run each from the repository root as
``python -m bench.NAME``; it measures this checkout's tqcheck). Every page names its command."""
