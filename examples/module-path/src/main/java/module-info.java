module example.hello {
    requires io.gevent4j;
}
