#!/bin/sh
echo "hello from goose"
