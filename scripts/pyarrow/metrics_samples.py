#!/usr/bin/env python3
"""Parses a Prometheus text-format file with prometheus_client's own parser (what a scraper accepts)
and prints its samples as JSON: [[name, {label: value}, value], ...]. For the tests of GET /metrics.

  metrics_samples.py FILE
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    samples = []
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples.append([sample.name, dict(sample.labels), sample.value])
    print(json.dumps(samples))


if __name__ == "__main__":
    main()
