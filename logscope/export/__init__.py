"""Exports of logscope's knowledge into other tools' formats (``logscope export ...``)."""
