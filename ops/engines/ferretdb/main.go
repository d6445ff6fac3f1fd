// Command ferretdb runs embedded FerretDB (MongoDB wire protocol) with its SQLite backend,
// for local development and tests. It is built and started by ops/engines/ferretdb.sh.
//
//	ferretdb serve -listen 127.0.0.1:27018 -data /tmp/nexus-ferretdb/data
//	ferretdb ping  -uri mongodb://127.0.0.1:27018/ [-timeout 2s]
//
// `go install github.com/FerretDB/FerretDB/cmd/ferretdb` panics at start (its
// build/version/version.txt is generated and not in the module), so this wraps the
// embeddable package github.com/FerretDB/FerretDB/ferretdb instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/bson"
	"go.mongodb.org/mongo-driver/mongo"
	"go.mongodb.org/mongo-driver/mongo/options"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	switch os.Args[1] {
	case "serve":
		serve(os.Args[2:])
	case "ping":
		ping(os.Args[2:])
	case "version":
		fmt.Println(ferretVersion())
	default:
		usage()
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: ferretdb serve -listen HOST:PORT -data DIR [-log-level warn]")
	fmt.Fprintln(os.Stderr, "       ferretdb ping -uri mongodb://HOST:PORT/ [-timeout 2s]")
	fmt.Fprintln(os.Stderr, "       ferretdb version")
	os.Exit(2)
}

// ferretVersion is the FerretDB module version compiled in (embedded builds report "unknown" themselves).
func ferretVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/FerretDB/FerretDB" {
				return d.Version
			}
		}
	}
	return "unknown"
}

func serve(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:27018", "TCP address to listen on")
	data := fs.String("data", "", "directory for the SQLite databases (one file per database)")
	level := fs.String("log-level", "warn", "debug, info (logs every connection), warn (logs failed commands) or error")
	_ = fs.Parse(args)
	if *data == "" {
		fmt.Fprintln(os.Stderr, "serve: -data is required")
		os.Exit(2)
	}

	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(os.Stderr, "serve: bad -log-level %q\n", *level)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lv}))

	dir, err := filepath.Abs(*data)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		logger.Error("data directory", "dir", *data, "err", err)
		os.Exit(1)
	}

	// SQLiteURL must name a directory and end with a slash.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/",
	})
	if err != nil {
		logger.Error("start", "err", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	// Printed whatever the log level, so the log file always says what ran where.
	fmt.Fprintf(os.Stderr, "ferretdb %s (sqlite) listening on %s, data %s, pid %d\n", ferretVersion(), *listen, dir, os.Getpid())
	if err := f.Run(ctx); err != nil {
		logger.Error("run", "err", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "ferretdb stopped (pid %d)\n", os.Getpid())
}

func ping(args []string) {
	fs := flag.NewFlagSet("ping", flag.ExitOnError)
	uri := fs.String("uri", "mongodb://127.0.0.1:27018/", "MongoDB URI")
	timeout := fs.Duration("timeout", 2*time.Second, "overall timeout")
	_ = fs.Parse(args)

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	client, err := mongo.Connect(ctx, options.Client().ApplyURI(*uri).SetServerSelectionTimeout(*timeout))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ping:", err)
		os.Exit(1)
	}
	// No Disconnect: it sends endSessions, which FerretDB does not implement and logs as a
	// failed command at every ping; the process exits right after anyway.
	var res bson.M
	if err := client.Database("admin").RunCommand(ctx, bson.D{{Key: "ping", Value: 1}}).Decode(&res); err != nil {
		fmt.Fprintln(os.Stderr, "ping:", err)
		os.Exit(1)
	}
	var bi bson.M
	_ = client.Database("admin").RunCommand(ctx, bson.D{{Key: "buildInfo", Value: 1}}).Decode(&bi)
	fmt.Printf("ok=%v version=%v ferretdb=%v\n", res["ok"], bi["version"], bi["ferretdbVersion"])
}
