// Command go-echo is the Go ttrpc peer of shim4j's benchmarks and interop tests, built from
// Debian's golang-github-containerd-ttrpc-dev in GOPATH mode (no network).
//
//	go-echo server SOCKET                 serve bench.Echo/Echo on SOCKET until killed
//	go-echo client SOCKET CALLS SIZE      make CALLS echo calls of SIZE bytes, check each answer
//	go-echo status SOCKET SERVICE METHOD  call a method with an empty request, print the code
//
// The request and response of bench.Echo/Echo are a message with field 1 bytes, which is
// google.protobuf.BytesValue on the wire.
package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/containerd/ttrpc"
	"github.com/gogo/protobuf/types"
	"google.golang.org/grpc/status"
)

func main() {
	if len(os.Args) < 3 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "server":
		err = serve(os.Args[2])
	case "client":
		if len(os.Args) != 5 {
			usage()
		}
		calls, _ := strconv.Atoi(os.Args[3])
		size, _ := strconv.Atoi(os.Args[4])
		err = client(os.Args[2], calls, size)
	case "status":
		if len(os.Args) != 5 {
			usage()
		}
		err = callStatus(os.Args[2], os.Args[3], os.Args[4])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "go-echo:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: go-echo server SOCKET | client SOCKET CALLS SIZE | status SOCKET SERVICE METHOD")
	os.Exit(2)
}

func serve(path string) error {
	os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	s, err := ttrpc.NewServer()
	if err != nil {
		return err
	}
	s.Register("bench.Echo", map[string]ttrpc.Method{
		"Echo": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			req := &types.BytesValue{}
			if err := unmarshal(req); err != nil {
				return nil, err
			}
			return req, nil
		},
	})
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		s.Close()
	}()
	fmt.Println("serving", path)
	if err := s.Serve(context.Background(), l); err != nil && err != ttrpc.ErrServerClosed {
		return err
	}
	return nil
}

func dial(path string) (*ttrpc.Client, error) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return nil, err
	}
	return ttrpc.NewClient(conn), nil
}

func client(path string, calls, size int) error {
	c, err := dial(path)
	if err != nil {
		return err
	}
	defer c.Close()
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(i)
	}
	for i := 0; i < calls; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp := &types.BytesValue{}
		err := c.Call(ctx, "bench.Echo", "Echo", &types.BytesValue{Value: payload}, resp)
		cancel()
		if err != nil {
			return fmt.Errorf("call %d: %w", i, err)
		}
		if !bytes.Equal(resp.Value, payload) {
			return fmt.Errorf("call %d: echo differs (%d bytes back)", i, len(resp.Value))
		}
	}
	fmt.Println("ok", calls)
	return nil
}

func callStatus(path, service, method string) error {
	c, err := dial(path)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = c.Call(ctx, service, method, &types.BytesValue{}, &types.BytesValue{})
	st, _ := status.FromError(err)
	fmt.Printf("%d %s\n", st.Code(), st.Message())
	return nil
}
