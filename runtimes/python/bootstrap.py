"""Gatehouse Python runtime bootstrap (targets the AWS "python3.11" behaviour).

Gatehouse starts one of these per Lambda function instance:
    python3 <path>/bootstrap.py        (cwd = LAMBDA_TASK_ROOT)
and it talks to Gatehouse over the real AWS Lambda Runtime API
(http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/...).

Behaviour is modelled on AWS's Python runtime interface client,
github.com/aws/aws-lambda-python-runtime-interface-client:
  awslambdaric/bootstrap.py                 handler loading, error bodies,
                                            error log lines, logging setup
  awslambdaric/lambda_runtime_exception.py  the Runtime.* error names
  awslambdaric/lambda_runtime_marshaller.py event/result (un)marshalling
  awslambdaric/lambda_context.py            the context object
  awslambdaric/lambda_runtime_client.py     /init/error with the error-type header
Nothing is copied from it; only the observable behaviour is reproduced.
Standard library only (AWS uses simplejson; see _Encoder for the difference).
"""

import decimal
import http.client
import importlib
import json
import logging
import os
import signal
import sys
import time
import traceback

API_PREFIX = "/2018-06-01/runtime"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"

# errorType values used by the AWS Python runtime.
MARSHAL_ERROR = "Runtime.MarshalError"
UNMARSHAL_ERROR = "Runtime.UnmarshalError"
USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

# Exit status after a failed init (AWS: sys.exit(1)). Also used when the
# Runtime API is gone (Gatehouse stopped the instance).
EXIT_INIT_ERROR = 1
EXIT_RUNTIME_API_GONE = 1

# AWS logs this (via logging.warning) before the error of a failed init.
UNHANDLED_EXCEPTION_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. "
    "The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior."
)

# Multi-line error log records are joined with "\r" so they stay one stdout
# line; leading spaces of stack lines become NO-BREAK SPACE (U+00A0), as AWS does.
ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_INDENT = "\u00a0"


class FaultException(Exception):
    """A failure the runtime itself classifies (errorType Runtime.*)."""

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.exception_type = exception_type
        self.msg = msg
        self.trace = trace


# ---------------------------------------------------------------------------
# JSON marshalling
# ---------------------------------------------------------------------------


class _Encoder(json.JSONEncoder):
    """AWS encodes with simplejson (use_decimal=False, plus a default() that
    writes Decimals as bare numbers and Decimal NaN as NaN). The stdlib has no
    raw-number output, so Decimals go through int/float here: same JSON for
    ordinary values, possible precision loss for very long decimals."""

    def default(self, o):
        if isinstance(o, decimal.Decimal):
            if not o.is_finite():
                return float(o)  # NaN / Infinity, written bare like json's floats
            return int(o) if o.as_tuple().exponent >= 0 else float(o)
        return super().default(o)


_ENCODER = _Encoder()


def to_json(obj):
    return _ENCODER.encode(obj)


def unmarshal_event(body, content_type):
    # AWS passes non-JSON payloads through as raw bytes. A missing
    # Content-Type is treated as JSON here (the Runtime API always sends one).
    if content_type is not None and content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)))


def marshal_result(result):
    """Returns (body bytes, content type). bytes are passed through untouched
    with content type application/unknown, exactly like AWS's marshaller; any
    other value must be JSON-serialisable or the invoke fails with
    Runtime.MarshalError."""
    if isinstance(result, bytes):
        return result, "application/unknown"
    try:
        return to_json(result).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)))


# ---------------------------------------------------------------------------
# Error bodies and error log lines
# ---------------------------------------------------------------------------


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    # Field order and the empty-string defaults match AWS.
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    """Traceback entries with the runtime's own leading frames removed (AWS
    drops frames from files named bootstrap.py until the first user frame)."""
    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if "/bootstrap.py" not in frame.filename:
            return frames[i:]
    return frames


def build_fault_result(exc_info, invoke_id=None):
    etype, value, tb = exc_info
    return make_error(
        str(value), etype.__name__, traceback.format_list(_user_frames(tb)), invoke_id
    )


def _replace_indentation(line):
    stripped = line.lstrip(" ")
    return ERROR_LOG_INDENT * (len(line) - len(stripped)) + stripped


def log_error(error_result):
    """Writes "[ERROR] <type>: <message>\\rTraceback (most recent call last):\\r..."
    as a single stdout line."""
    description = "[ERROR]"
    if error_result.get("errorType"):
        description += " " + error_result["errorType"]
    if error_result.get("errorMessage"):
        if error_result.get("errorType"):
            description += ":"
        description += " " + error_result["errorMessage"]

    lines = [description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
            else:
                lines.extend(_replace_indentation(l) for l in element.splitlines())
    sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


# ---------------------------------------------------------------------------
# Logging and stdout
# ---------------------------------------------------------------------------

_CURRENT_REQUEST_ID = None
_CURRENT_TENANT_ID = None


class _Unbuffered:
    """print() must reach the log immediately even without PYTHONUNBUFFERED."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _CURRENT_REQUEST_ID or ""
        record.tenant_id = _CURRENT_TENANT_ID
        return True


class _StdoutHandler(logging.Handler):
    # Like AWS's handler: the formatter already ends the record with "\n".
    def emit(self, record):
        try:
            sys.stdout.write(self.format(record))
        except Exception:
            self.handleError(record)


def setup_logging():
    """Root logger format as in AWS (TEXT log format). The root level is left
    at Python's default (WARNING) unless AWS_LAMBDA_LOG_LEVEL is set, so
    logger.info() is silent until the function raises the level itself, as in
    AWS."""
    logging.Formatter.converter = time.gmtime
    handler = _StdoutHandler()
    handler.setFormatter(
        logging.Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    level = (os.environ.get("AWS_LAMBDA_LOG_LEVEL") or "").upper()
    if level in logging._nameToLevel:
        root.setLevel(level)
    root.addHandler(handler)


# ---------------------------------------------------------------------------
# Context object (lambda_context.py)
# ---------------------------------------------------------------------------


def _obj_from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field))
    return obj


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id={},cognito_identity_pool_id={}])".format(
            self.cognito_identity_id, self.cognito_identity_pool_id
        )


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]

    def __repr__(self):
        return "Client([" + ",".join("{}={}".format(f, getattr(self, f)) for f in self.__slots__) + "])"


class ClientContext:
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return "ClientContext([custom={},env={},client={}])".format(self.custom, self.env, self.client)


class LambdaContext:
    def __init__(self, invoke_id, client_context, cognito_identity, deadline_ms, invoked_function_arn, tenant_id):
        self.aws_request_id = invoke_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        # A string, as in AWS (it comes straight from the environment).
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self.tenant_id = tenant_id

        self.client_context = _obj_from_dict(ClientContext, client_context)
        if self.client_context is not None and isinstance(self.client_context.client, dict):
            self.client_context.client = _obj_from_dict(Client, self.client_context.client)

        # identity is always an object; its fields are None without the header.
        self.identity = _obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")

        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        remaining = self._deadline_ms - int(time.time() * 1000)
        return remaining if remaining > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        fields = [
            "aws_request_id", "log_group_name", "log_stream_name", "function_name",
            "memory_limit_in_mb", "function_version", "invoked_function_arn",
            "client_context", "identity", "tenant_id",
        ]
        return "LambdaContext([" + ",".join("{}={}".format(f, getattr(self, f)) for f in fields) + "])"


def _parse_json_header(value, name):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, str(e))
        )


# ---------------------------------------------------------------------------
# Runtime API client: one persistent HTTP/1.1 connection
# ---------------------------------------------------------------------------


class RuntimeApiGone(Exception):
    pass


class RuntimeApiClient:
    def __init__(self, address):
        self.address = address
        self.conn = http.client.HTTPConnection(address)
        self.used = False

    def _request(self, method, path, body=None, headers=None):
        """Returns (status, headers, body). If a reused keep-alive connection
        turns out to be closed by the server, retry once on a new one. Any
        other connection failure means Gatehouse has gone: RuntimeApiGone."""
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                self.used = True
                return response.status, response.headers, data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                self.conn.close()
                if attempt == 2 or not self.used:
                    raise RuntimeApiGone("{} {}: {}".format(method, path, e)) from e
                self.used = False
            except OSError as e:  # e.g. ConnectionRefusedError
                self.conn.close()
                raise RuntimeApiGone("{} {}: {}".format(method, path, e)) from e

    def next_invocation(self):
        status, headers, body = self._request("GET", API_PREFIX + "/invocation/next")
        if status != 200:
            raise RuntimeApiGone("GET /next returned HTTP {}: {!r}".format(status, body))
        return headers, body

    def _post(self, path, body, content_type, extra_headers=None):
        headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
        headers.update(extra_headers or {})
        status, _, data = self._request("POST", path, body, headers)
        if not 200 <= status <= 299:
            # AWS ignores a refused result (e.g. 400 after a timeout) and
            # carries on with /next; note it on stderr for debugging.
            sys.stderr.write(
                "gatehouse-python-runtime: POST {} -> HTTP {} {!r}\n".format(path, status, data)
            )

    def post_invocation_result(self, invoke_id, body, content_type):
        self._post("{}/invocation/{}/response".format(API_PREFIX, invoke_id), body, content_type)

    def post_invocation_error(self, invoke_id, error_result):
        # AWS's Python client sends no error-type header on /error; the Runtime
        # API allows it and Gatehouse uses it, so it is added here.
        self._post(
            "{}/invocation/{}/error".format(API_PREFIX, invoke_id),
            to_json(error_result).encode("utf-8"),
            "application/json",
            {ERROR_TYPE_HEADER: error_result["errorType"]},
        )

    def post_init_error(self, error_result):
        self._post(
            API_PREFIX + "/init/error",
            to_json(error_result).encode("utf-8"),
            "application/json",
            {ERROR_TYPE_HEADER: error_result["errorType"]},
        )


# ---------------------------------------------------------------------------
# Handler loading
# ---------------------------------------------------------------------------


def get_handler(handler):
    """"app.lambda_handler", "pkg/mod.fn" and "pkg.mod.fn" all work: the part
    before the last dot is the module, with "/" meaning a package boundary."""
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e)))

    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        # Also covers ImportErrors raised by the module's own imports.
        raise FaultException(
            IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(modname, str(e))
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(modname, str(e)),
            trace,
        )

    # Not checked for callability: AWS only fails at invoke time then.
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(fname, modname)
        )


# ---------------------------------------------------------------------------
# Invoke loop
# ---------------------------------------------------------------------------


def handle_invocation(client, request_handler, headers, body):
    invoke_id = headers.get("Lambda-Runtime-Aws-Request-Id")
    error_result = None
    try:
        client_context = headers.get("Lambda-Runtime-Client-Context")
        cognito_identity = headers.get("Lambda-Runtime-Cognito-Identity")
        context = LambdaContext(
            invoke_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito_identity, "Cognito Identity") if cognito_identity else None,
            int(headers.get("Lambda-Runtime-Deadline-Ms") or 0),
            headers.get("Lambda-Runtime-Invoked-Function-Arn"),
            headers.get("Lambda-Runtime-Aws-Tenant-Id"),
        )
        event = unmarshal_event(body, headers.get("Content-Type"))
        result = request_handler(event, context)
        result_body, content_type = marshal_result(result)
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except MemoryError:
        # On AWS the sandbox's memory cgroup kills the runtime (Runtime.OutOfMemory, "signal:
        # killed"). Here the gateway's RLIMIT_DATA makes Python raise MemoryError first, and the
        # process may be in no state to go on: end it the way AWS's would end.
        sys.stderr.write("gatehouse-python-runtime: out of memory ({} MB)\n".format(
            os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "?")))
        os.kill(os.getpid(), signal.SIGKILL)
    except Exception:
        error_result = build_fault_result(sys.exc_info(), invoke_id)

    if error_result is not None:
        log_error(error_result)
        client.post_invocation_error(invoke_id, error_result)
    else:
        client.post_invocation_result(invoke_id, result_body, content_type)


def set_trace_id(trace_id):
    """os.environ["_X_AMZN_TRACE_ID"] for this invocation. Assigning os.environ calls glibc's
    setenv(), which never frees a value it has seen, so a unique trace id per invocation would
    leak ~150 bytes each time (100 MB over a long load test). The value is kept in os.environ's
    own mapping instead: Python code (the X-Ray SDK, boto3) reads it there; only C getenv() and
    subprocesses started without env= miss it."""
    key = os.environ.encodekey("_X_AMZN_TRACE_ID")
    if trace_id:
        os.environ._data[key] = os.environ.encodevalue(trace_id)
    else:
        os.environ._data.pop(key, None)


def main():
    global _CURRENT_REQUEST_ID, _CURRENT_TENANT_ID

    sys.stdout = _Unbuffered(sys.stdout)
    sys.stderr = _Unbuffered(sys.stderr)

    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write("gatehouse-python-runtime: AWS_LAMBDA_RUNTIME_API is not set\n")
        sys.exit(EXIT_RUNTIME_API_GONE)
    client = RuntimeApiClient(address)

    # The function code directory comes first on sys.path; this runtime's
    # own directory is removed so it cannot shadow user modules.
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.path.insert(0, task_root)

    try:
        setup_logging()
        request_handler = get_handler(os.environ.get("_HANDLER", ""))
    except Exception as e:
        if isinstance(e, FaultException):
            error_result = make_error(e.msg, e.exception_type, e.trace)
        else:
            error_result = build_fault_result(sys.exc_info())
        logging.warning(UNHANDLED_EXCEPTION_WARNING)
        log_error(error_result)
        try:
            client.post_init_error(error_result)
        except RuntimeApiGone as gone:
            sys.stderr.write("gatehouse-python-runtime: {}\n".format(gone))
        sys.exit(EXIT_INIT_ERROR)

    try:
        while True:
            headers, body = client.next_invocation()
            _CURRENT_REQUEST_ID = headers.get("Lambda-Runtime-Aws-Request-Id")
            _CURRENT_TENANT_ID = headers.get("Lambda-Runtime-Aws-Tenant-Id")
            set_trace_id(headers.get("Lambda-Runtime-Trace-Id"))
            handle_invocation(client, request_handler, headers, body)
    except RuntimeApiGone as gone:
        sys.stderr.write("gatehouse-python-runtime: {}; exiting\n".format(gone))
        sys.exit(EXIT_RUNTIME_API_GONE)


if __name__ == "__main__":
    main()
