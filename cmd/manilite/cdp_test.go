package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
)

// A minimal client of the Chrome DevTools Protocol over Chromium's
// --remote-debugging-pipe (file descriptors 3 and 4, one JSON message per
// NUL byte), so the tests can drive a real browser without a websocket
// library.

// cdpMessage is a command's answer or an event.
type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *cdpError       `json:"error,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
}

type cdpError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// browser is a headless Chromium under the test's control.
type browser struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
	toCDP  *os.File

	mu      sync.Mutex
	nextID  int
	waiting map[int]chan cdpMessage
	onEvent func(b *browser, m cdpMessage) // runs on the reading goroutine
	closed  chan struct{}
}

// startBrowser runs chromium with args (plus the pipe) and calls onEvent
// for every event it sends. The browser and all its helper processes are
// killed when the test ends.
func startBrowser(t *testing.T, chromium string, args []string, onEvent func(*browser, cdpMessage)) *browser {
	t.Helper()
	cmdR, cmdW, err := os.Pipe() // our commands: chromium reads fd 3
	if err != nil {
		t.Fatal(err)
	}
	evR, evW, err := os.Pipe() // its answers and events: chromium writes fd 4
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{toCDP: cmdW, waiting: map[int]chan cdpMessage{}, onEvent: onEvent, closed: make(chan struct{})}
	b.cmd = exec.Command(chromium, append(args, "--remote-debugging-pipe")...)
	b.cmd.ExtraFiles = []*os.File{cmdR, evW}
	b.cmd.Stderr = &b.stderr
	// Chromium's helper processes share its group, so all of them go.
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	cmdR.Close()
	evW.Close()
	t.Cleanup(func() {
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		_ = b.cmd.Wait()
		cmdW.Close()
		<-b.closed
		evR.Close()
	})
	go b.read(evR)
	return b
}

func (b *browser) read(r io.Reader) {
	defer close(b.closed)
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		if m.ID != 0 {
			b.mu.Lock()
			ch := b.waiting[m.ID]
			delete(b.waiting, m.ID)
			b.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		if b.onEvent != nil {
			b.onEvent(b, m)
		}
	}
}

// send writes a command and returns the channel its answer comes on.
func (b *browser) send(session, method string, params any) (<-chan cdpMessage, error) {
	if params == nil {
		params = struct{}{}
	}
	p, err := json.Marshal(params)
	if err != nil {
		return nil, err
	}
	ch := make(chan cdpMessage, 1)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.nextID++
	id := b.nextID
	msg, err := json.Marshal(cdpMessage{ID: id, Method: method, Params: p, SessionID: session})
	if err != nil {
		return nil, err
	}
	b.waiting[id] = ch
	if _, err := b.toCDP.Write(append(msg, 0)); err != nil {
		delete(b.waiting, id)
		return nil, err
	}
	return ch, nil
}

// call sends a command and waits for its answer; result, when not nil,
// receives the answer's result.
func (b *browser) call(ctx context.Context, session, method string, params, result any) error {
	ch, err := b.send(session, method, params)
	if err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-b.closed:
		return fmt.Errorf("%s: chromium exited: %s", method, lastLines(b.stderr.String(), 10))
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// evaluate runs a JavaScript expression in the page (awaiting a promise)
// and decodes its value into result.
func (b *browser) evaluate(ctx context.Context, session, expression string, result any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	err := b.call(ctx, session, "Runtime.evaluate", map[string]any{
		"expression": expression, "awaitPromise": true, "returnByValue": true,
	}, &r)
	if err != nil {
		return err
	}
	if r.ExceptionDetails != nil {
		return errors.New("evaluate: " + r.ExceptionDetails.Text)
	}
	return json.Unmarshal(r.Result.Value, result)
}
