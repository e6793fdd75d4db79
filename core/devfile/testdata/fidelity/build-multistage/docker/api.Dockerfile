FROM golang:1.24 AS development
WORKDIR /src
