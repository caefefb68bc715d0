/**
 * An HTTP/1.1 server: gevent's {@code gevent.pywsgi} ({@code WSGIServer}), with a Java handler in
 * place of a WSGI application.
 */
package io.gevent4j.http;
