// @peculiar/x509 relies on decorator metadata; load it once per test process.
import "reflect-metadata";
